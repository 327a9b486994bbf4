package enum

import "slices"

// AccountGroupType says whose assets an account group holds: TypePersonal
// or TypeLegalEntity.
type AccountGroupType struct{ name }

// Account group types.
var (
	// TypePersonal is the group of a person holding assets on their own behalf.
	TypePersonal AccountGroupType = AccountGroupType{named("PERSONAL")}
	// TypeLegalEntity is the group of a legal entity holding assets on behalf of its users.
	TypeLegalEntity AccountGroupType = AccountGroupType{named("LEGAL_ENTITY")}
)

// AccountGroupTypes returns the known account group types.
func AccountGroupTypes() []AccountGroupType {
	return []AccountGroupType{TypePersonal, TypeLegalEntity}
}

// Valid reports whether t is one of AccountGroupTypes.
func (t AccountGroupType) Valid() bool { return slices.Contains(AccountGroupTypes(), t) }

// AccountGroupStatus is an account group's lifecycle state.
type AccountGroupStatus struct{ name }

// Account group statuses.
var (
	// StatusPendingApproval: the group awaits approval.
	StatusPendingApproval AccountGroupStatus = AccountGroupStatus{named("PENDING_APPROVAL")}
	// StatusActive: the group can be used.
	StatusActive AccountGroupStatus = AccountGroupStatus{named("ACTIVE")}
	// StatusClosing: a close was accepted and is under way.
	StatusClosing AccountGroupStatus = AccountGroupStatus{named("CLOSING")}
	// StatusClosed: the group is closed, for good.
	StatusClosed AccountGroupStatus = AccountGroupStatus{named("CLOSED")}
	// StatusLocked: the group is locked.
	StatusLocked AccountGroupStatus = AccountGroupStatus{named("LOCKED")}
)

// AccountGroupStatuses returns the known statuses, in lifecycle order.
func AccountGroupStatuses() []AccountGroupStatus {
	return []AccountGroupStatus{StatusPendingApproval, StatusActive, StatusClosing, StatusClosed, StatusLocked}
}

// Valid reports whether s is one of AccountGroupStatuses.
func (s AccountGroupStatus) Valid() bool { return slices.Contains(AccountGroupStatuses(), s) }

// UserRelationType is a user's relation to an account group.
type UserRelationType struct{ name }

// RelationOwner: the user owns the group.
var RelationOwner UserRelationType = UserRelationType{named("OWNER")}

// UserRelationTypes returns the known relations.
func UserRelationTypes() []UserRelationType { return []UserRelationType{RelationOwner} }

// Valid reports whether r is a known relation (RelationOwner).
func (r UserRelationType) Valid() bool { return slices.Contains(UserRelationTypes(), r) }
