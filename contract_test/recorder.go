package contracttest

import "sync"

// Recorder keeps Results for inspection: pass its Report to an adapter.
// The zero Recorder is empty and ready; it is safe for concurrent use.
type Recorder struct {
	mu      sync.Mutex
	results []Result
}

// Report records r.
func (rec *Recorder) Report(r Result) {
	rec.mu.Lock()
	rec.results = append(rec.results, r)
	rec.mu.Unlock()
}

// Results returns the Results recorded so far, oldest first.
func (rec *Recorder) Results() []Result {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]Result(nil), rec.results...)
}

// Findings returns every finding recorded so far, oldest first.
func (rec *Recorder) Findings() []Finding {
	var out []Finding
	for _, r := range rec.Results() {
		out = append(out, r.Findings...)
	}
	return out
}

// Reset forgets what was recorded.
func (rec *Recorder) Reset() {
	rec.mu.Lock()
	rec.results = nil
	rec.mu.Unlock()
}
