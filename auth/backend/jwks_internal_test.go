package backend

import (
	"net/http"
	"testing"
	"time"
)

func TestCacheLifetime(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	date := now.Add(-time.Hour) // the key server's clock is an hour behind
	cases := []struct {
		name   string
		header http.Header
		want   time.Duration
	}{
		{"no caching headers", http.Header{}, defaultJWKSLifetime},
		{"max-age", http.Header{"Cache-Control": {"public, max-age=120"}}, 2 * time.Minute},
		{"quoted max-age", http.Header{"Cache-Control": {`max-age="60"`}}, time.Minute},
		{"max-age wins over Expires", http.Header{"Cache-Control": {"max-age=60"}, "Expires": {now.Add(time.Hour).Format(http.TimeFormat)}}, time.Minute},
		{"max-age capped", http.Header{"Cache-Control": {"max-age=31536000"}}, maxJWKSLifetime},
		{"no-cache", http.Header{"Cache-Control": {"max-age=600, no-cache"}}, 0},
		{"no-store", http.Header{"Cache-Control": {"No-Store"}}, 0},
		{"bad max-age ignored", http.Header{"Cache-Control": {"max-age=soon"}}, defaultJWKSLifetime},
		{"Expires from Date", http.Header{"Date": {date.Format(http.TimeFormat)}, "Expires": {date.Add(10 * time.Minute).Format(http.TimeFormat)}}, 10 * time.Minute},
		{"Expires without Date", http.Header{"Expires": {now.Add(3 * time.Minute).Format(http.TimeFormat)}}, 3 * time.Minute},
		{"Expires in the past", http.Header{"Expires": {now.Add(-time.Minute).Format(http.TimeFormat)}}, 0},
		{"invalid Expires", http.Header{"Expires": {"0"}}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := cacheLifetime(tc.header, now); got != tc.want {
				t.Errorf("cacheLifetime = %v, want %v", got, tc.want)
			}
		})
	}
}
