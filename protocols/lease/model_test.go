package lease

import (
	"testing"
	"time"

	"github.com/electsim/electsim/protocols/protocoltest"
	"github.com/electsim/electsim/sim"
)

// The coordinator against etcd's documented behaviour. Nodes: n1..n3
// participants, the resource is 4, coord is 5.
const (
	n1, n2, n3 sim.NodeID = 1, 2, 3
	ttl                   = 10 * time.Second
)

func newCoordinator(t *testing.T) (*coordinator, *protocoltest.Env) {
	t.Helper()
	env := protocoltest.NewEnv(5, 3, CoordinatorName)
	c := &coordinator{}
	c.Start(env)
	return c, env
}

// grantAndCampaign has node take a lease and campaign; it returns the lease
// and the campaign's answer.
func grantAndCampaign(t *testing.T, c *coordinator, env *protocoltest.Env, node sim.NodeID) (LeaseID, CampaignResp) {
	t.Helper()
	c.Deliver(node, Grant{Req: 1, TTL: ttl})
	g := only[Granted](t, env, node)
	c.Deliver(node, Campaign{Req: 2, Lease: g.Lease})
	return g.Lease, only[CampaignResp](t, env, node)
}

// only takes the one message the coordinator sent and checks its type and
// destination.
func only[M any](t *testing.T, env *protocoltest.Env, to sim.NodeID) M {
	t.Helper()
	sent := env.Take()
	if len(sent) != 1 || sent[0].To != to {
		t.Fatalf("want one message to n%d, got:\n%s", to, env.Describe(sent))
	}
	m, ok := sent[0].Msg.(M)
	if !ok {
		t.Fatalf("want a %T to n%d, got:\n%s", m, to, env.Describe(sent))
	}
	return m
}

func TestLowestCreateRevisionLeads(t *testing.T) {
	c, env := newCoordinator(t)
	var revs []Revision
	for _, node := range []sim.NodeID{n2, n1, n3} {
		_, resp := grantAndCampaign(t, c, env, node)
		revs = append(revs, resp.Rev)
		if resp.Leader != revs[0] {
			t.Fatalf("n%d's campaign: leader revision %d, want the first key's %d", node, resp.Leader, revs[0])
		}
	}
	if !(revs[0] < revs[1] && revs[1] < revs[2]) {
		t.Fatalf("create revisions %v do not increase with each campaign", revs)
	}
}

func TestCampaignIsIdempotent(t *testing.T) {
	c, env := newCoordinator(t)
	lease, first := grantAndCampaign(t, c, env, n1)
	c.Deliver(n1, Campaign{Req: 3, Lease: lease})
	if again := only[CampaignResp](t, env, n1); again.Rev != first.Rev {
		t.Fatalf("a retried campaign got revision %d, the first %d", again.Rev, first.Rev)
	}
}

func TestWaiterTakesOverWhenTheKeyBeforeItExpires(t *testing.T) {
	c, env := newCoordinator(t)
	grantAndCampaign(t, c, env, n1)
	lease2, second := grantAndCampaign(t, c, env, n2)
	lease3, _ := grantAndCampaign(t, c, env, n3)
	env.Advance(c, ttl/2)
	for _, l := range []struct {
		node  sim.NodeID
		lease LeaseID
	}{{n2, lease2}, {n3, lease3}} {
		c.Deliver(l.node, KeepAlive{Lease: l.lease, Seq: 1})
		only[KeepAliveResp](t, env, l.node)
	}
	env.Advance(c, ttl/2) // n1's lease runs out; n2's and n3's do not
	elected := only[Elected](t, env, n2)
	if elected.Rev != second.Rev || elected.Lease != lease2 {
		t.Fatalf("Elected %+v, want n2's lease %d and revision %d", elected, lease2, second.Rev)
	}
	if c.leader() != second.Rev {
		t.Fatalf("leader revision %d, want n2's %d", c.leader(), second.Rev)
	}
}

func TestKeepaliveExtendsTheLease(t *testing.T) {
	c, env := newCoordinator(t)
	lease, _ := grantAndCampaign(t, c, env, n1)
	env.Advance(c, ttl-time.Second)
	c.Deliver(n1, KeepAlive{Lease: lease, Seq: 1})
	if resp := only[KeepAliveResp](t, env, n1); resp.TTL != ttl {
		t.Fatalf("keepalive answered TTL %v, want %v", resp.TTL, ttl)
	}
	env.Advance(c, ttl-time.Millisecond)
	if _, alive := c.leases[lease]; !alive {
		t.Fatal("the lease expired before a TTL had passed since its keepalive")
	}
	env.Advance(c, time.Millisecond)
	if _, alive := c.leases[lease]; alive {
		t.Fatal("the lease outlived a TTL without keepalive")
	}
	c.Deliver(n1, KeepAlive{Lease: lease, Seq: 2})
	if resp := only[KeepAliveResp](t, env, n1); resp.TTL != 0 {
		t.Fatalf("keepalive of an expired lease answered TTL %v, want 0 (not found)", resp.TTL)
	}
}

func TestRevokeDeletesTheKeyAndHandsOver(t *testing.T) {
	c, env := newCoordinator(t)
	lease1, _ := grantAndCampaign(t, c, env, n1)
	_, second := grantAndCampaign(t, c, env, n2)
	c.Deliver(n1, Revoke{Lease: lease1})
	if e := only[Elected](t, env, n2); e.Rev != second.Rev {
		t.Fatalf("after n1 resigned, Elected %+v, want n2's revision %d", e, second.Rev)
	}
}

func TestCoordinatorRestartKeepsRevisionsAndRenewsLeases(t *testing.T) {
	c, env := newCoordinator(t)
	lease, first := grantAndCampaign(t, c, env, n1)
	env.Advance(c, ttl-time.Second)
	restarted := &coordinator{} // a crash: only storage carries over
	restarted.Start(env)
	env.Advance(restarted, ttl-time.Millisecond)
	if _, alive := restarted.leases[lease]; !alive {
		t.Fatal("a restored lease expired before a full TTL from the restart")
	}
	if restarted.leader() != first.Rev {
		t.Fatalf("after restart the leader revision is %d, want %d", restarted.leader(), first.Rev)
	}
	_, second := grantAndCampaign(t, restarted, env, n2)
	if second.Rev <= first.Rev {
		t.Fatalf("a campaign after restart got revision %d, not above %d: the revision was not durable", second.Rev, first.Rev)
	}
}

// The client: its deadline, keepalives and act check.

func newClient(t *testing.T, cfg Config) (*client, *protocoltest.Env) {
	t.Helper()
	env := protocoltest.NewEnv(n1, 3, CoordinatorName)
	c := &client{cfg: cfg}
	c.Start(env)
	return c, env
}

// session walks a client through grant and campaign answers arriving after
// a latency, and makes it the leader.
func session(t *testing.T, c *client, env *protocoltest.Env, latency time.Duration) {
	t.Helper()
	grant := only[Grant](t, env, env.Service(CoordinatorName))
	env.Advance(c, latency)
	c.Deliver(env.Service(CoordinatorName), Granted{Req: grant.Req, Lease: 7, TTL: ttl})
	camp := only[Campaign](t, env, env.Service(CoordinatorName))
	c.Deliver(env.Service(CoordinatorName), CampaignResp{Req: camp.Req, Lease: 7, Rev: 3, Leader: 3})
	if !env.Leading || env.Gen != 3 {
		t.Fatalf("after winning the campaign: leading %v in generation %d, want generation 3", env.Leading, env.Gen)
	}
}

func TestClientDeadlineIsMeasuredAsConfigured(t *testing.T) {
	const latency = 400 * time.Millisecond
	for _, tc := range []struct {
		from     string
		margin   time.Duration
		stepDown time.Duration // when the client, never hearing again, steps down
	}{
		{FromReceipt, 0, latency + ttl}, // etcd: receipt of the grant + TTL
		{FromSend, 0, ttl},              // the grant was sent at 0
		{FromSend, time.Second, ttl - time.Second},
	} {
		c, env := newClient(t, Config{TTL: ttl, DeadlineFrom: tc.from, Margin: tc.margin, Keepalive: time.Hour})
		session(t, c, env, latency)
		env.Advance(c, tc.stepDown-env.Now-time.Nanosecond)
		if !env.Leading {
			t.Fatalf("deadline from %s, margin %v: stepped down before %v", tc.from, tc.margin, tc.stepDown)
		}
		env.Advance(c, time.Nanosecond)
		if env.Leading {
			t.Fatalf("deadline from %s, margin %v: still leading at %v", tc.from, tc.margin, tc.stepDown)
		}
	}
}

func TestClientKeepsAliveEveryThirdOfTheTTL(t *testing.T) {
	c, env := newClient(t, Config{TTL: ttl, DeadlineFrom: FromReceipt, CheckEvery: time.Second})
	session(t, c, env, 0)
	env.Take()
	env.Advance(c, ttl/3)
	ka := only[KeepAlive](t, env, env.Service(CoordinatorName))
	env.Advance(c, keepaliveRetry) // no answer: resend after 500ms, as etcd's send loop does
	again := only[KeepAlive](t, env, env.Service(CoordinatorName))
	if again.Seq != ka.Seq+1 {
		t.Fatalf("the resent keepalive has seq %d after %d", again.Seq, ka.Seq)
	}
	c.Deliver(env.Service(CoordinatorName), KeepAliveResp{Lease: 7, Seq: again.Seq, TTL: ttl, Leader: 3})
	env.Advance(c, ttl/3-time.Nanosecond)
	if sent := env.Take(); len(sent) != 0 {
		t.Fatalf("sent before TTL/3 after the answer:\n%s", env.Describe(sent))
	}
	env.Advance(c, time.Nanosecond)
	only[KeepAlive](t, env, env.Service(CoordinatorName))
}

func TestClientLosesItsSessionWhenTheLeaseIsGone(t *testing.T) {
	c, env := newClient(t, Defaults)
	session(t, c, env, 0)
	env.Take()
	c.Deliver(env.Service(CoordinatorName), KeepAliveResp{Lease: 7, Seq: 1, TTL: 0})
	if env.Leading {
		t.Fatal("still leading after the coordinator said the lease is gone")
	}
	sent := env.Take()
	if len(sent) != 2 {
		t.Fatalf("want a revoke and a new grant, got:\n%s", env.Describe(sent))
	}
	if _, ok := sent[0].Msg.(Revoke); !ok {
		t.Fatalf("want a revoke first, got:\n%s", env.Describe(sent))
	}
	if _, ok := sent[1].Msg.(Grant); !ok {
		t.Fatalf("want a new session's grant, got:\n%s", env.Describe(sent))
	}
}

func TestActCheckUsesTheLocalClock(t *testing.T) {
	careless, env := newClient(t, Config{TTL: ttl, DeadlineFrom: FromSend, CheckEvery: time.Hour})
	session(t, careless, env, 0)
	env.Now += ttl // past the deadline, before any check
	if !careless.MayAct(3) {
		t.Fatal("without act_check the client refused an act: it should act on belief")
	}
	careful, env := newClient(t, Config{TTL: ttl, DeadlineFrom: FromSend, CheckEvery: time.Hour, ActCheck: true, Margin: time.Second})
	session(t, careful, env, 0)
	env.Now = ttl - time.Second - time.Nanosecond
	if !careful.MayAct(3) {
		t.Fatal("with act_check the client refused an act inside its deadline less margin")
	}
	env.Now++
	if careful.MayAct(3) {
		t.Fatal("with act_check the client acted at its deadline less margin")
	}
}
