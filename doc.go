// Package upvest is a Go client for the Upvest Investment API's account
// groups: get, list (and a user's groups), create and close, with every call
// carrying a scoped OAuth2 token and a v15 HTTP message signature.
package upvest
