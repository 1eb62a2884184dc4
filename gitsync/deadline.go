package gitsync

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"

	"golang.org/x/net/proxy"
)

// go-git's SSH transport dials with a timeout but then runs the SSH
// handshake, and reads the server's first answer, without watching the
// fetch's context: a server that accepts the connection and says nothing
// would hold a fetch, and the daemon's loop, forever. Its one hook into the
// connection is the proxy dialer, looked up by URL scheme in
// golang.org/x/net/proxy. gitsync registers a scheme whose dialer connects
// directly (or through $ALL_PROXY, as go-git would) and puts the fetch's
// deadline on the connection itself.

// deadlineScheme is the proxy URL scheme of deadlineDialer.
const deadlineScheme = "kgitops-deadline"

func init() {
	// In init, before any goroutine: RegisterDialerType is not safe for
	// concurrent use.
	proxy.RegisterDialerType(deadlineScheme, func(u *url.URL, _ proxy.Dialer) (proxy.Dialer, error) {
		ns, err := strconv.ParseInt(u.Query().Get("deadline"), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("bad %s URL: %w", deadlineScheme, err)
		}
		return deadlineDialer{deadline: time.Unix(0, ns)}, nil
	})
}

// deadlineProxyURL is the proxy URL that makes go-git's SSH transport dial
// through a deadlineDialer ending at deadline.
func deadlineProxyURL(deadline time.Time) string {
	return deadlineScheme + "://direct/?deadline=" + strconv.FormatInt(deadline.UnixNano(), 10)
}

// deadlineDialer dials connections that end at a deadline.
type deadlineDialer struct{ deadline time.Time }

// Dial implements proxy.Dialer.
func (d deadlineDialer) Dial(network, addr string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, addr)
}

// DialContext implements proxy.ContextDialer.
func (d deadlineDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	ctx, cancel := context.WithDeadline(ctx, d.deadline)
	defer cancel()
	var (
		conn net.Conn
		err  error
	)
	if cd, ok := proxy.FromEnvironment().(proxy.ContextDialer); ok {
		conn, err = cd.DialContext(ctx, network, addr)
	} else {
		var nd net.Dialer
		conn, err = nd.DialContext(ctx, network, addr)
	}
	if err != nil {
		return nil, err
	}
	if err := conn.SetDeadline(d.deadline); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}
