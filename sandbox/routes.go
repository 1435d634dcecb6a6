package sandbox

import (
	"net/http"
	"strings"
	"time"

	"github.com/lattice/lattice/vendors"
)

// route is one method on one path. Vendor routes name their vendor and
// operation, so calls are counted and faults applied; control routes do not.
type route struct {
	method    string
	path      string
	vendor    string
	operation string
	handle    http.HandlerFunc
}

// routes builds the mux. Each path also gets a method-less pattern, less
// specific than the method ones, that answers 405 in the vendor's shape;
// everything else answers 404.
func (s *Sandbox) routes() *http.ServeMux {
	var all []route
	all = append(all, s.equinixRoutes()...)
	all = append(all, s.zohoRoutes()...)
	all = append(all, s.netsuiteRoutes()...)
	all = append(all, s.controlRoutes()...)

	mux := http.NewServeMux()
	allowed := map[string][]string{}
	for _, rt := range all {
		h := rt.handle
		if rt.operation != "" {
			h = s.operation(rt.vendor, rt.operation, h)
		}
		mux.Handle(rt.method+" "+rt.path, h)
		allowed[rt.path] = append(allowed[rt.path], rt.method)
	}

	for path, methods := range allowed {
		mux.Handle(path, methodNotAllowed(methods))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writePathError(w, r.URL.Path, http.StatusNotFound, "No such path: "+r.URL.Path)
	})
	return mux
}

// operation counts a call, then either injects the next matching fault or
// runs the operation.
func (s *Sandbox) operation(vendor, op string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		record := recordOf(r)
		s.count(vendor, op, record)
		start := time.Now()

		if f, ok := s.takeFault(vendor, op, record); ok {
			s.inject(w, r, f, h)
			return
		}

		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h(sw, r)
		s.log.Debug("sandbox call",
			"vendor", vendor,
			"operation", op,
			"status", sw.status,
			"duration_ms", time.Since(start).Milliseconds())
	}
}

// count records one call of op at vendor on record.
func (s *Sandbox) count(vendor, op, record string) {
	s.mu.Lock()
	defer s.mu.Unlock()

	s.calls[callKey{vendor: vendor, operation: op, record: record}]++
}

// recordOf is the record a call's path names: an Equinix order id or an
// adjustment id; "" for token and find_order.
func recordOf(r *http.Request) string {
	if id := r.PathValue("orderId"); id != "" {
		return id
	}
	return r.PathValue("id")
}

// methodNotAllowed answers 405 with the methods the path serves.
func methodNotAllowed(methods []string) http.HandlerFunc {
	allow := strings.Join(methods, ", ")
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		msg := "Method " + r.Method + " is not allowed; use " + allow
		writePathError(w, r.URL.Path, http.StatusMethodNotAllowed, msg)
	}
}

// writePathError answers a request that reached no operation, in the error
// shape of the vendor whose base path it is under.
func writePathError(w http.ResponseWriter, path string, status int, msg string) {
	switch vendorOfPath(path) {
	case vendors.Equinix:
		writeEquinixError(w, status, equinixCode(status), msg)
	case vendors.Zoho:
		// Zoho answers unknown URLs with code 5, "Invalid URL Passed".
		writeZohoError(w, status, 5, msg)
	case vendors.NetSuite:
		writeNetSuiteError(w, status, netsuiteCode(status), msg, "")
	default:
		writeDetail(w, status, msg)
	}
}

// vendorOfPath returns the vendor whose base path holds path, or "".
func vendorOfPath(path string) string {
	for _, v := range []string{vendors.Equinix, vendors.Zoho, vendors.NetSuite} {
		if strings.HasPrefix(path, "/"+v+"/") {
			return v
		}
	}
	return ""
}

// statusWriter remembers the status an operation answered, for the log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

// Unwrap lets http.ResponseController reach the server's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// WriteHeader records the status and passes it on.
func (w *statusWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}
