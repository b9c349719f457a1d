package document

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/pipeline/blob"
)

// BlobScheme prefixes an attachment url that names an object in Kiln's
// blob store: "urn:kiln:blob:{tenant}/uploads/{uuid}".
const BlobScheme = "urn:kiln:blob:"

// Upload limits.
const (
	uploadTTL     = 15 * time.Minute
	maxUploadSize = 50 << 20
)

// UploadURL is DocumentReference/$upload-url (an engine.TypeOperation):
// a presigned URL to PUT a document's bytes to, valid for 15 minutes and
// at most 50 MiB, and the attachment url that names the object in a
// DocumentReference afterwards. The body may be a Parameters resource
// with a "contentType" valueCode.
func (p *Processor) UploadURL(ctx context.Context, tenant string, body []byte) ([]byte, error) {
	if p.opts.Blobs == nil {
		return nil, fhir.Errorf(http.StatusNotImplemented, fhir.IssueNotSupported, "this server has no blob store for uploads")
	}
	contentType := "application/octet-stream"
	if len(body) > 0 {
		var in struct {
			Parameter []struct {
				Name      string `json:"name"`
				ValueCode string `json:"valueCode"`
			} `json:"parameter"`
		}
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, fhir.Errorf(http.StatusBadRequest, fhir.IssueStructure, "the body must be a Parameters resource: %v", err)
		}
		for _, prm := range in.Parameter {
			if prm.Name == "contentType" && prm.ValueCode != "" {
				contentType = prm.ValueCode
			}
		}
	}
	key := tenant + "/uploads/" + uuid.NewString()
	u, err := p.opts.Blobs.PresignPut(ctx, key, uploadTTL, contentType, maxUploadSize)
	if err != nil {
		return nil, fmt.Errorf("document: presign upload: %w", err)
	}
	expires := fhir.FormatInstant(p.opts.Now().UTC().Add(uploadTTL))
	return json.Marshal(map[string]any{"resourceType": "Parameters", "parameter": []map[string]any{
		{"name": "url", "valueUrl": u},
		{"name": "method", "valueCode": "PUT"},
		{"name": "contentType", "valueCode": contentType},
		{"name": "attachmentUrl", "valueUrl": BlobScheme + key},
		{"name": "expires", "valueInstant": expires},
		{"name": "maxSize", "valueInteger": maxUploadSize},
	}})
}

// blobKey returns the blob key an attachment url names, if it names one
// of this tenant's objects.
func blobKey(tenant, u string) (string, bool, error) {
	key, ok := strings.CutPrefix(u, BlobScheme)
	if !ok {
		return "", false, nil
	}
	if !strings.HasPrefix(key, tenant+"/") || blob.ValidateKey(key) != nil {
		return "", true, permanent{"document: the attachment url is not an object of this tenant"}
	}
	return key, true, nil
}

// readBlob reads an uploaded object, bounded by the upload limit.
func (p *Processor) readBlob(ctx context.Context, key string) ([]byte, string, error) {
	if p.opts.Blobs == nil {
		return nil, "", permanent{"document: this server has no blob store"}
	}
	rc, obj, err := p.opts.Blobs.Get(ctx, key)
	if err != nil {
		if errors.Is(err, blob.ErrNotFound) {
			return nil, "", permanent{"document: the uploaded object is missing (was it uploaded?)"}
		}
		return nil, "", fmt.Errorf("document: read upload: %w", err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxUploadSize+1))
	if err != nil {
		return nil, "", fmt.Errorf("document: read upload: %w", err)
	}
	if len(data) > maxUploadSize {
		return nil, "", permanent{fmt.Sprintf("document: the uploaded object exceeds %d bytes", maxUploadSize)}
	}
	return data, obj.ContentType, nil
}

// downloadTTL bounds presigned download URLs: long enough to start a
// download, short enough that a leaked URL soon stops working.
const downloadTTL = 5 * time.Minute

// DownloadURL is DocumentReference/{id}/$download-url (an
// engine.Operation): a presigned URL to GET the document's uploaded
// original while it exists (kept originals, or before processing). The
// engine has checked that the caller may read the DocumentReference and
// audits the call.
func (p *Processor) DownloadURL(ctx context.Context, tenant string, r store.Resource) ([]byte, error) {
	if p.opts.Blobs == nil {
		return nil, fhir.Errorf(http.StatusNotImplemented, fhir.IssueNotSupported, "this server has no blob store")
	}
	var doc docRef
	if err := json.Unmarshal(r.Body, &doc); err != nil || len(doc.Content) == 0 {
		return nil, fhir.Errorf(http.StatusNotFound, fhir.IssueNotFound, "DocumentReference/%s has no attachment", r.ID)
	}
	key, ok, err := blobKey(tenant, doc.Content[0].Attachment.URL)
	if !ok || err != nil {
		return nil, fhir.Errorf(http.StatusNotFound, fhir.IssueNotFound, "DocumentReference/%s has no uploaded original (it was removed after redaction, or is inline)", r.ID)
	}
	if _, err := p.opts.Blobs.Stat(ctx, key); err != nil {
		if errors.Is(err, blob.ErrNotFound) {
			return nil, fhir.Errorf(http.StatusNotFound, fhir.IssueNotFound, "the uploaded original of DocumentReference/%s is not in the blob store", r.ID)
		}
		return nil, fmt.Errorf("document: download: %w", err)
	}
	u, err := p.opts.Blobs.PresignGet(ctx, key, downloadTTL)
	if err != nil {
		return nil, fmt.Errorf("document: presign download: %w", err)
	}
	return json.Marshal(map[string]any{"resourceType": "Parameters", "parameter": []map[string]any{
		{"name": "url", "valueUrl": u},
		{"name": "expires", "valueInstant": fhir.FormatInstant(p.opts.Now().UTC().Add(downloadTTL))},
	}})
}
