package contracttest_test

import (
	"fmt"
	"sync"
	"testing"

	contracttest "github.com/upvest-go/upvest/contract_test"
)

// ReportTo fails the test on a violation and logs drift.
func TestReportTo(t *testing.T) {
	t.Parallel()
	tb := &fakeTB{}
	report := contracttest.ReportTo(tb)
	report(contracttest.Result{Findings: []contracttest.Finding{
		{Severity: contracttest.Violation, Kind: contracttest.KindStatus, Operation: "getAccountGroup", Status: 201, Response: true, Part: contracttest.PartStatus, Message: "not documented"},
		{Severity: contracttest.Drift, Kind: contracttest.KindEnum, Operation: "getAccountGroup", Status: 200, Response: true, Part: contracttest.PartBody, Pointer: "/status", Value: `"FROZEN"`, Message: "not allowed"},
	}})
	if len(tb.errors) != 1 || tb.errors[0] != "contracttest: violation getAccountGroup 201: response status: status: not documented" {
		t.Errorf("errors %q", tb.errors)
	}
	if len(tb.logs) != 1 || tb.logs[0] != `contracttest: drift getAccountGroup 200: response body /status: enum: not allowed (value "FROZEN")` {
		t.Errorf("logs %q", tb.logs)
	}
}

// fakeTB records what ReportTo reports.
type fakeTB struct {
	mu     sync.Mutex
	errors []string
	logs   []string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Logf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.logs = append(f.logs, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Fatalf(format string, args ...any) { f.Errorf(format, args...) }
func (f *fakeTB) lines() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append(append([]string(nil), f.errors...), f.logs...)
}
