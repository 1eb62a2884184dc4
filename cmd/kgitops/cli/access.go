package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/kgitops/kgitops/access"
	"github.com/kgitops/kgitops/internal/envflag"
	"github.com/kgitops/kgitops/internal/kconn"
	"github.com/kgitops/kgitops/spec"
)

type accessFlags struct {
	conn         kconn.Options
	connVars     *envflag.Set
	dir          string
	output       string
	host         string
	superUsers   []string
	allowIfNoACL bool
}

func newAccess(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "access",
		Short: "Answer who may do what, from the repo's ACLs, the cluster's, or both",
		Long: `access answers questions about ACLs the way Kafka's StandardAuthorizer does: a DENY wins over
any ALLOW; literal, prefixed and "*" resource patterns; User:* for every user; only ALLOW ACLs
imply operations (READ, WRITE, DELETE and ALTER imply DESCRIBE; ALTER_CONFIGS implies
DESCRIBE_CONFIGS; ALL is every operation).

Offline (no --bootstrap-servers) it reads the repo in --dir, and names the RoleBinding or ACL
document and file:line behind each ACL. With --bootstrap-servers it reads the cluster's ACLs;
with --dir as well, both, and it shows where they disagree. It changes nothing.`,
	}
	cmd.AddCommand(newAccessCheck(e), newAccessWhoCan(e))
	return cmd
}

func (f *accessFlags) register(cmd *cobra.Command) {
	f.connVars = kafkaVars(&f.conn)
	f.connVars.Register(cmd.Flags())
	cmd.Flags().StringVar(&f.dir, "dir", ".", "folder holding the desired state; read offline, and live when given")
	cmd.Flags().StringVarP(&f.output, "output", "o", "text", "output format: text or json")
	cmd.Flags().StringVar(&f.host, "host", "*", `the client's IP address; "*" (default) is any host: only ACLs for every host decide, and ACLs bound to one address are shown apart`)
	cmd.Flags().StringArrayVar(&f.superUsers, "super-user", nil, "a principal of the brokers' super.users, such as User:admin (repeatable); super users bypass ACLs, and kgitops cannot read them from Kafka")
	cmd.Flags().BoolVar(&f.allowIfNoACL, "allow-if-no-acl", false, "model allow.everyone.if.no.acl.found=true: allow when no ACL at all names the resource (Kafka's default is false)")
}

func newAccessCheck(e *env) *cobra.Command {
	var f accessFlags
	cmd := &cobra.Command{
		Use:   "check PRINCIPAL OPERATION RESOURCE [--dir D] [--bootstrap-servers HOST:PORT] [--host IP] [-o text|json]",
		Short: "Say whether a principal may do an operation on a resource, and why",
		Long: `check says whether PRINCIPAL may do OPERATION on RESOURCE, and why: the ACLs that match, the
RoleBinding or ACL document and file:line each comes from, and where the repo and the cluster
disagree. RESOURCE is type:name: topic:shop.orders, group:billing, cluster,
transactionalId:tx-1, delegationToken:t, user:alice.

It exits 0 when allowed and 1 when denied (like kubectl auth can-i), and 1 with an error message on
bad input or an unreachable cluster. With both the repo and the cluster, the cluster's answer
decides the exit code.`,
		Example: `  kgitops access check User:billing read topic:shop.orders --dir ./kafka
  kgitops access check User:billing read topic:shop.orders --bootstrap-servers localhost:9092 --dir ./kafka`,
		Args: cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.runCheck(cmd, e, args[0], args[1], args[2])
		},
	}
	f.register(cmd)
	return cmd
}

func newAccessWhoCan(e *env) *cobra.Command {
	var f accessFlags
	cmd := &cobra.Command{
		Use:   "who-can OPERATION RESOURCE [--dir D] [--bootstrap-servers HOST:PORT] [--host IP] [-o text|json]",
		Short: "List the principals that may do an operation on a resource, and why",
		Long: `who-can lists the principals the ACLs allow to do OPERATION on RESOURCE, each with the ACL that
allows it and where it comes from; principals an ACL denies are left out and listed apart. User:*
stands for every user. It exits 0, or 1 on an error.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.runWhoCan(cmd, e, args[0], args[1])
		},
	}
	f.register(cmd)
	return cmd
}

// acls reads the repo's ACLs and the cluster's, as the flags ask: repo is
// nil when the repo is not read, cluster when the cluster is not.
func (f *accessFlags) acls(cmd *cobra.Command, e *env) (repo, cluster []access.ACL, st *spec.State, err error) {
	if err := f.connVars.Fill(e.getenv); err != nil {
		return nil, nil, nil, err
	}
	live := len(f.conn.Bootstrap) > 0
	if !live || cmd.Flags().Changed("dir") {
		if st, err = e.loadDir(f.dir); err != nil {
			return nil, nil, nil, err
		}
		repo = access.FromState(st)
		if repo == nil {
			repo = []access.ACL{}
		}
	}
	if !live {
		return repo, nil, st, nil
	}
	if err := f.conn.Complete(); err != nil {
		return nil, nil, nil, err
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), f.conn.Timeout)
	defer cancel()
	cl, _, err := f.conn.Connect(ctx, e.log)
	if err != nil {
		return nil, nil, nil, err
	}
	defer cl.Close()
	if cluster, err = access.Observe(ctx, cl); err != nil {
		if f.conn.SASLUsername != "" && access.IsAuthorization(err) {
			// Reading ACLs needs DESCRIBE on the cluster: say what grants it.
			return nil, nil, nil, access.Explain(err, "User:"+f.conn.SASLUsername, "DESCRIBE",
				access.Resource{Type: spec.ResourceCluster, Name: spec.ClusterResourceName}, st)
		}
		return nil, nil, nil, kconn.Explain(err)
	}
	if cluster == nil {
		cluster = []access.ACL{}
	}
	return repo, cluster, st, nil
}

// options checks the flags every access command shares.
func (f *accessFlags) options() (access.Options, string, error) {
	switch f.output {
	case "text", "json":
	default:
		return access.Options{}, "", fmt.Errorf("-o %q: want text or json", f.output)
	}
	host, err := spec.KafkaHost(f.host)
	if err != nil {
		return access.Options{}, "", fmt.Errorf("--host: %w: write an IP address, or \"*\" for any host", err)
	}
	for _, p := range f.superUsers {
		if _, err := access.ParsePrincipal(p); err != nil {
			return access.Options{}, "", fmt.Errorf("--super-user: %w", err)
		}
	}
	return access.Options{SuperUsers: f.superUsers, AllowIfNoACL: f.allowIfNoACL}, host, nil
}

func parseOpResource(op, resource string) (string, access.Resource, error) {
	r, err := access.ParseResource(resource)
	if err != nil {
		return "", r, err
	}
	o, err := access.ParseOperation(op, r.Type)
	return o, r, err
}

func (f *accessFlags) runCheck(cmd *cobra.Command, e *env, principal, op, resource string) error {
	opts, host, err := f.options()
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	if principal, err = access.ParsePrincipal(principal); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	o, r, err := parseOpResource(op, resource)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	repo, cluster, _, err := f.acls(cmd, e)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	c := access.NewCheck(repo, cluster, access.Request{Principal: principal, Operation: o, Resource: r, Host: host}, opts, f.dir)
	render := access.RenderCheckText
	if f.output == "json" {
		render = access.RenderCheckJSON
	}
	if err := render(e.stdout, c); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	if !c.Allowed {
		return silentExit(ExitError)
	}
	return nil
}

func (f *accessFlags) runWhoCan(cmd *cobra.Command, e *env, op, resource string) error {
	opts, host, err := f.options()
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	o, r, err := parseOpResource(op, resource)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	repo, cluster, _, err := f.acls(cmd, e)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	rep := access.WhoCanReport{Dir: f.dir}
	if repo != nil {
		res := access.WhoCan(repo, o, r, host, opts)
		rep.Repo = &res
	}
	if cluster != nil {
		res := access.WhoCan(cluster, o, r, host, opts)
		for i, g := range res.Grantees {
			res.Grantees[i].Decision = access.Merge(g.Decision, repo) // the repo's sources, where it has the ACL
		}
		rep.Cluster = &res
	}
	var render func(io.Writer, access.WhoCanReport) error = access.RenderWhoCanText
	if f.output == "json" {
		render = access.RenderWhoCanJSON
	}
	if err := render(e.stdout, rep); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	return nil
}
