package upvest

import "github.com/google/uuid"

// isSecuritiesAccountNumber checks the document's pattern ^[0-9]{9}$.
func isSecuritiesAccountNumber(s string) bool {
	if len(s) != 9 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// group wraps AccountGroup to check the fields the document requires.
type group struct{ *AccountGroup }

func (g *group) validate() string { return validateGroup(g.AccountGroup) }

func validateGroup(g *AccountGroup) string {
	switch {
	case g.ID == uuid.Nil:
		return "account group without id"
	case g.Status.IsZero():
		return "account group without status"
	case g.Type.IsZero():
		return "account group without type"
	case g.CreatedAt.IsZero() || g.UpdatedAt.IsZero():
		return "account group without created_at or updated_at"
	case g.Users == nil:
		return "account group without users"
	case !isSecuritiesAccountNumber(g.SecuritiesAccountNumber):
		return "securities_account_number is not 9 digits"
	}
	return ""
}

// listPage decodes a list answer, telling a missing meta or data from zeros.
type listPage struct {
	Meta *ListMeta      `json:"meta"`
	Data []AccountGroup `json:"data"`
}

func (p *listPage) validate() string {
	if p.Meta == nil || p.Data == nil {
		return "list without meta or data"
	}
	for i := range p.Data {
		if m := validateGroup(&p.Data[i]); m != "" {
			return m
		}
	}
	return ""
}
