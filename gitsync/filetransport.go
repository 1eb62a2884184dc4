package gitsync

import (
	"context"
	"io"

	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/plumbing/transport/client"
	gitfile "github.com/go-git/go-git/v5/plumbing/transport/file"
)

// go-git reads a file:// URL or a plain path by running git-upload-pack
// and reading the pack it writes. When storing the pack failed (the cache's
// disk full), go-git closed the fetch without reading the rest, and closing
// waits for git-upload-pack to exit, while git-upload-pack waited for its
// pack to be read: the fetch, and the daemon's loop, hung past any
// timeout. gitsync's file transport reads what is left of the pack before
// it closes; that read still ends at the fetch's deadline, when go-git
// kills the program.
//
// (go-git's in-process upload-pack, transport/server, needs no program but
// cannot serve a shallow clone, such as a git-sync sidecar's, and walks the
// whole history on every fetch.)

func init() {
	client.InstallProtocol("file", fileTransport{gitfile.DefaultClient})
}

// fileTransport is go-git's file transport with drainingSession.
type fileTransport struct{ transport.Transport }

// NewUploadPackSession implements transport.Transport.
func (t fileTransport) NewUploadPackSession(ep *transport.Endpoint, auth transport.AuthMethod) (transport.UploadPackSession, error) {
	s, err := t.Transport.NewUploadPackSession(ep, auth)
	if err != nil {
		return nil, err
	}
	return drainingSession{s}, nil
}

// drainingSession answers UploadPack with a response that reads the rest
// of the pack before it closes.
type drainingSession struct{ transport.UploadPackSession }

// UploadPack implements transport.UploadPackSession.
func (s drainingSession) UploadPack(ctx context.Context, req *packp.UploadPackRequest) (*packp.UploadPackResponse, error) {
	resp, err := s.UploadPackSession.UploadPack(ctx, req)
	if err != nil || resp == nil {
		return resp, err
	}
	out := packp.NewUploadPackResponseWithPackfile(req, drainOnClose{resp})
	out.ShallowUpdate, out.ServerResponse = resp.ShallowUpdate, resp.ServerResponse
	return out, nil
}

// drainOnClose is a pack that is read to its end before it is closed.
type drainOnClose struct{ *packp.UploadPackResponse }

// Close implements io.Closer.
func (d drainOnClose) Close() error {
	_, _ = io.Copy(io.Discard, d.UploadPackResponse)
	return d.UploadPackResponse.Close()
}
