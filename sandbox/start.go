package sandbox

// Instance is a running sandbox: the Sandbox, listening on loopback, with a
// set of credentials registered. Build it with Start; Close stops it.
type Instance struct {
	*Sandbox
	// URL is the base URL to give the client.
	URL string
	// Credentials are registered and ready to use.
	Credentials Credentials

	srv *Server
}

// KeyKind selects the signing key Start makes for the credentials.
type KeyKind int

const (
	// P521 is an ECDSA P-521 key, what Upvest's docs generate.
	P521 KeyKind = iota
	// Ed25519 is an Ed25519 key.
	Ed25519
)

// Start builds a Sandbox from cfg, serves it on 127.0.0.1 at a free port and
// registers fresh credentials with a key of the given kind: everything a test
// (or a demo) needs in one call.
func Start(cfg Config, kind KeyKind) (*Instance, error) {
	sb, err := New(cfg)
	if err != nil {
		return nil, err
	}
	srv, err := sb.Listen("127.0.0.1:0")
	if err != nil {
		sb.Close()
		return nil, err
	}
	creds, err := sb.NewCredentials()
	if kind == Ed25519 {
		creds, err = sb.NewEd25519Credentials()
	}
	if err != nil {
		srv.Close()
		sb.Close()
		return nil, err
	}
	return &Instance{Sandbox: sb, URL: srv.URL, Credentials: creds, srv: srv}, nil
}

// Close stops serving and stops the sandbox's timers and deliveries.
func (in *Instance) Close() {
	in.srv.Close()
	in.Sandbox.Close()
}
