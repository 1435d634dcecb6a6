package sandbox

import (
	"encoding/json"
	"net/http"
)

// controlRoutes maps the /_sandbox paths, which tests and the dev stack use
// to steer the sandbox. They are not counted and never faulted.
func (s *Sandbox) controlRoutes() []route {
	return []route{
		{"POST", "/_sandbox/faults", "", "", s.postFault},
		{"DELETE", "/_sandbox/faults", "", "", s.deleteFaults},
		{"GET", "/_sandbox/calls", "", "", s.getCalls},
		{"POST", "/_sandbox/fixtures", "", "", s.postFixtures},
	}
}

// postFault serves POST /_sandbox/faults with a Fault.
func (s *Sandbox) postFault(w http.ResponseWriter, r *http.Request) {
	var f Fault
	if err := decodeStrict(r, &f); err != nil {
		writeDetail(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := s.AddFault(f); err != nil {
		writeDetail(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, map[string]bool{"ok": true})
}

// deleteFaults serves DELETE /_sandbox/faults, and with ?record= drops
// only the faults scoped to that record.
func (s *Sandbox) deleteFaults(w http.ResponseWriter, r *http.Request) {
	if record := r.URL.Query().Get("record"); record != "" {
		s.ClearFaultsOn(record)
	} else {
		s.ClearFaults()
	}
	w.WriteHeader(http.StatusNoContent)
}

// getCalls serves GET /_sandbox/calls?vendor=&operation=&record=.
func (s *Sandbox) getCalls(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	n := s.CallsOn(q.Get("vendor"), q.Get("operation"), q.Get("record"))
	writeJSON(w, http.StatusOK, map[string]int{"count": n})
}

// postFixtures serves POST /_sandbox/fixtures with {"source","count"}.
func (s *Sandbox) postFixtures(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Source string `json:"source"`
		Count  int    `json:"count"`
	}
	if err := decodeStrict(r, &req); err != nil {
		writeDetail(w, http.StatusBadRequest, err.Error())
		return
	}

	bodies, err := s.Fixtures(req.Source, req.Count)
	if err != nil {
		writeDetail(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string][]json.RawMessage{"requests": bodies})
}
