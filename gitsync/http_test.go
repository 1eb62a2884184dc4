package gitsync

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kgitops/kgitops/gitsync/gittest"
	"github.com/kgitops/kgitops/secret"
)

const (
	testToken  = "tok-s3cr3t-0123456789"
	wrongToken = "tok-wr0ng-9876543210"
)

// httpsRemote serves rem's bare repository over smart HTTP with TLS,
// wanting user "git" and testToken (gittest.HTTPS).
func httpsRemote(t *testing.T, rem *testRemote) (url, caFile string) {
	t.Helper()
	return gittest.HTTPS(t, rem.bare, "git", testToken)
}

func TestFetchHTTPS(t *testing.T) {
	rem := newRemote(t, map[string]string{"a.yaml": "v1"})
	url, ca := httpsRemote(t, rem)
	tokenFile := filepath.Join(t.TempDir(), "token")
	write(t, tokenFile, []byte(testToken+"\n"))
	wrongFile := filepath.Join(t.TempDir(), "wrong")
	write(t, wrongFile, []byte(wrongToken))
	withToken, withWrong := secret.New(testToken), secret.New(wrongToken)

	tests := []struct {
		name     string
		opts     Options
		password secret.Value
		wantErr  func(error) bool
		wantText string
	}{
		{name: "token", opts: Options{URL: url, CAFile: ca}, password: withToken},
		{name: "token from a file", opts: Options{URL: url, CAFile: ca, PasswordFile: tokenFile}},
		{name: "credentials in the URL", opts: Options{URL: strings.Replace(url, "https://", "https://git:"+testToken+"@", 1), CAFile: ca}},
		{name: "token as the URL's user", opts: Options{URL: strings.Replace(url, "https://", "https://"+testToken+"@", 1), CAFile: ca}},
		{name: "wrong token", opts: Options{URL: url, CAFile: ca}, password: withWrong,
			wantErr: IsAuth, wantText: "the server refused the credentials"},
		{name: "wrong token from a file", opts: Options{URL: url, CAFile: ca, PasswordFile: wrongFile},
			wantErr: IsAuth, wantText: "the server refused the credentials"},
		{name: "wrong user", opts: Options{URL: url, CAFile: ca, Username: "alice"}, password: withToken,
			wantErr: IsAuth, wantText: "--git-username"},
		{name: "no token", opts: Options{URL: url, CAFile: ca},
			wantErr: IsAuth, wantText: "the server wants credentials: set KGITOPS_GIT_PASSWORD"},
		{name: "untrusted certificate", opts: Options{URL: url}, password: withToken,
			wantErr: IsAuth, wantText: "pass --git-ca-file"},
		{name: "no such repository", opts: Options{URL: url + "-nope", CAFile: ca}, password: withToken,
			wantErr: IsNotFound, wantText: "repository not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.Password = tt.password
			o := completed(t, opts)
			r, log := open(t, o)
			if tt.wantErr == nil {
				if rev := fetch(t, r); rev.SHA != rem.head() {
					t.Fatalf("Fetch = %s, want %s", rev.SHA, rem.head())
				}
			} else {
				err := fetchErr(t, r)
				if !tt.wantErr(err) || !strings.Contains(err.Error(), tt.wantText) {
					t.Fatalf("Fetch error = %v (Reason %q), want one saying %q", err, Reason(err), tt.wantText)
				}
				assertNoSecret(t, "error", err.Error())
				assertNoSecret(t, "wrapped error", fmt.Sprintf("%+v", err))
			}
			assertNoSecret(t, "log", log.String())
			assertNoSecret(t, "Describe", r.Describe())
			assertNoSecret(t, "options", fmt.Sprintf("%v %+v %s", o, o, o.String()))
		})
	}
}

// TestFetchHTTPSRereadsTokenFile pins that a rotated token file is read on
// the next fetch, without a restart.
func TestFetchHTTPSRereadsTokenFile(t *testing.T) {
	rem := newRemote(t, map[string]string{"a.yaml": "v1"})
	url, ca := httpsRemote(t, rem)
	tokenFile := filepath.Join(t.TempDir(), "token")
	write(t, tokenFile, []byte(wrongToken))
	r, _ := open(t, completed(t, Options{URL: url, CAFile: ca, PasswordFile: tokenFile}))
	if err := fetchErr(t, r); !IsAuth(err) {
		t.Fatalf("Fetch with the old token: error = %v, want IsAuth", err)
	}
	write(t, tokenFile, []byte(testToken))
	fetch(t, r)
	if err := os.Remove(tokenFile); err != nil {
		t.Fatal(err)
	}
	if err := fetchErr(t, r); !IsAuth(err) || !strings.Contains(err.Error(), "--git-password-file") {
		t.Fatalf("Fetch with the token file gone: error = %v, want IsAuth naming --git-password-file", err)
	}
}

// assertNoSecret fails the test if s holds either test token.
func assertNoSecret(t *testing.T, what, s string) {
	t.Helper()
	for _, tok := range []string{testToken, wrongToken} {
		if strings.Contains(s, tok) {
			t.Errorf("%s holds a token: %s", what, s)
		}
	}
}
