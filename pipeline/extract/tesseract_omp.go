//go:build cgo

package extract

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>

// limit_omp_threads asks OpenMP to run parallel regions started from the
// calling thread on n threads, if the process has OpenMP at all (libtesseract
// may or may not be built with it); the functions are looked up at run time
// so nothing links against libgomp. Tesseract's regions name their own
// thread count (a num_threads clause), which overrides omp_set_num_threads, so
// dynamic adjustment is turned on too: libgomp then caps a team at this
// thread's nthreads value.
static int limit_omp_threads(int n) {
	void (*set)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, "omp_set_num_threads");
	void (*dyn)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, "omp_set_dynamic");
	if (set == NULL || dyn == NULL) {
		return 0;
	}
	set(n);
	dyn(1);
	return 1;
}
*/
import "C"

// singleThreadOpenMP makes OpenMP regions started from the calling OS thread
// run on that thread alone. The caller must hold the thread with
// runtime.LockOSThread for the setting to apply to its later cgo calls.
//
// Why: Debian's libtesseract uses OpenMP, whose teams of spinning
// threads, beside Go's own threads on a small machine, made one page take
// 1.7 s instead of 0.3 s (BenchmarkOCRPage/gosseract, 2 cores). Pages run in
// parallel through the client pool instead.
func singleThreadOpenMP() {
	C.limit_omp_threads(1)
}
