package upvest

import (
	"github.com/upvest-go/upvest/enum"
	"github.com/upvest-go/upvest/gen"
)

// The API's models are the generated ones (package gen), under shorter names.
// They are type aliases, so `go doc` shows their fields under package gen,
// not here (`go doc github.com/upvest-go/upvest/gen.AccountGroup`). Field
// names follow Go's initialisms (ID, UserID); ids are uuid.UUID values
// (github.com/google/uuid) as the document declares them, and the facade's
// methods take them as such. The enumerations are package enum's types:
// a string literal does not convert to them, and unknown values (newer API
// versions add some) decode without error, keeping their text; Valid tells
// them from the known ones.
type (
	// AccountGroup is an account group as the API returns it.
	AccountGroup = gen.AccountGroup
	// AccountGroupUser is one user of an account group and their relation.
	AccountGroupUser = gen.AccountGroupUser
	// AccountGroupStatus is an account group's lifecycle state.
	AccountGroupStatus = enum.AccountGroupStatus
	// AccountGroupType says whose assets an account group holds.
	AccountGroupType = enum.AccountGroupType
	// AccountGroupPage is one page of a list: the groups and the meta.
	AccountGroupPage = gen.AccountGroupsListResponse
	// ListMeta describes a page: offset, limit, count, total_count, sort, order.
	ListMeta = gen.ListMeta
	// SortOrder is ASC or DESC.
	SortOrder = enum.SortOrder
	// UserRelationType is a user's relation to an account group (OWNER).
	UserRelationType = enum.UserRelationType
)

// The enumerations' values, as in package enum (variables: a struct
// cannot be a constant). A string literal does not convert to these types.
var (
	// RelationOwner: the user owns the group.
	RelationOwner = enum.RelationOwner

	// StatusPendingApproval: the group awaits approval.
	StatusPendingApproval = enum.StatusPendingApproval
	// StatusActive: the group can be used.
	StatusActive = enum.StatusActive
	// StatusClosing: a close was accepted and is under way.
	StatusClosing = enum.StatusClosing
	// StatusClosed: the group is closed, for good.
	StatusClosed = enum.StatusClosed
	// StatusLocked: the group is locked.
	StatusLocked = enum.StatusLocked

	// TypePersonal: a person holding assets on their own behalf.
	TypePersonal = enum.TypePersonal
	// TypeLegalEntity: a legal entity holding assets on behalf of its users.
	TypeLegalEntity = enum.TypeLegalEntity

	// Ascending: oldest first (ASC).
	Ascending = enum.Ascending
	// Descending: newest first (DESC).
	Descending = enum.Descending
)
