package enum

import "slices"

// AccountGroupType says whose assets an account group holds: TypePersonal
// or TypeLegalEntity.
type AccountGroupType struct {
	_ [0]*AccountGroupType // its own underlying type: no conversion from another enumeration
	name
}

// Account group types.
var (
	// TypePersonal is the group of a person holding assets on their own behalf.
	TypePersonal AccountGroupType = AccountGroupType{name: named("PERSONAL")}
	// TypeLegalEntity is the group of a legal entity holding assets on behalf of its users.
	TypeLegalEntity AccountGroupType = AccountGroupType{name: named("LEGAL_ENTITY")}
)

// AccountGroupTypes returns the known account group types.
func AccountGroupTypes() []AccountGroupType {
	return []AccountGroupType{TypePersonal, TypeLegalEntity}
}

// Valid reports whether t is one of AccountGroupTypes.
func (t AccountGroupType) Valid() bool { return slices.Contains(AccountGroupTypes(), t) }

// Equal reports whether t and u are the same value (==); go-cmp uses it,
// as it cannot look into the unexported field.
func (t AccountGroupType) Equal(u AccountGroupType) bool { return t == u }

// AccountGroupStatus is an account group's lifecycle state.
type AccountGroupStatus struct {
	_ [0]*AccountGroupStatus // its own underlying type: no conversion from another enumeration
	name
}

// Account group statuses.
var (
	// StatusPendingApproval: the group awaits approval.
	StatusPendingApproval AccountGroupStatus = AccountGroupStatus{name: named("PENDING_APPROVAL")}
	// StatusActive: the group can be used.
	StatusActive AccountGroupStatus = AccountGroupStatus{name: named("ACTIVE")}
	// StatusClosing: a close was accepted and is under way.
	StatusClosing AccountGroupStatus = AccountGroupStatus{name: named("CLOSING")}
	// StatusClosed: the group is closed, for good.
	StatusClosed AccountGroupStatus = AccountGroupStatus{name: named("CLOSED")}
	// StatusLocked: the group is locked.
	StatusLocked AccountGroupStatus = AccountGroupStatus{name: named("LOCKED")}
)

// AccountGroupStatuses returns the known statuses, in lifecycle order.
func AccountGroupStatuses() []AccountGroupStatus {
	return []AccountGroupStatus{StatusPendingApproval, StatusActive, StatusClosing, StatusClosed, StatusLocked}
}

// Valid reports whether s is one of AccountGroupStatuses.
func (s AccountGroupStatus) Valid() bool { return slices.Contains(AccountGroupStatuses(), s) }

// Equal reports whether s and u are the same value (==); go-cmp uses it,
// as it cannot look into the unexported field.
func (s AccountGroupStatus) Equal(u AccountGroupStatus) bool { return s == u }

// UserRelationType is a user's relation to an account group.
type UserRelationType struct {
	_ [0]*UserRelationType // its own underlying type: no conversion from another enumeration
	name
}

// RelationOwner: the user owns the group.
var RelationOwner UserRelationType = UserRelationType{name: named("OWNER")}

// UserRelationTypes returns the known relations.
func UserRelationTypes() []UserRelationType { return []UserRelationType{RelationOwner} }

// Valid reports whether r is a known relation (RelationOwner).
func (r UserRelationType) Valid() bool { return slices.Contains(UserRelationTypes(), r) }

// Equal reports whether r and u are the same value (==); go-cmp uses it,
// as it cannot look into the unexported field.
func (r UserRelationType) Equal(u UserRelationType) bool { return r == u }
