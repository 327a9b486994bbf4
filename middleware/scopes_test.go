package middleware

import (
	"errors"
	"strings"
	"testing"
)

func TestScopes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method, path, want string
		err                bool
	}{
		{"GET", "/account_groups", "accounts:read", false},
		{"GET", "/account_groups/" + testGroupID, "accounts:read", false},
		{"GET", "/users/" + testUserID + "/account_groups", "accounts:read", false},
		{"POST", "/account_groups", "accounts:admin", false},
		{"DELETE", "/account_groups/" + testGroupID, "accounts:admin", false},
		{"GET", "/auth/verify_keys", "webhooks:read", false},
		{"POST", "/auth/token", "", false},
		{"PUT", "/account_groups", "", true},
		{"GET", "/account_groups/a/b", "", true},
		{"GET", "/users//account_groups", "", true},
	}
	for _, tt := range tests {
		var got []string
		r, err := lookup(tt.method, tt.path)
		if err == nil {
			got = r.Scopes
		}
		var se *ScopeError
		if tt.err != errors.As(err, &se) || strings.Join(got, " ") != tt.want {
			t.Errorf("Scopes(%s %s) = %q, %v", tt.method, tt.path, got, err)
		}
	}
}
