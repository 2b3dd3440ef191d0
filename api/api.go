// Package api holds vigil's OpenAPI document. It is checked in, served at
// /api/openapi.yaml, and a test holds it against the real routes.
package api

import _ "embed"

// OpenAPI is the document.
//
//go:embed openapi.yaml
var OpenAPI []byte
