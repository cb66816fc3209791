package lease

import (
	"time"

	"github.com/electsim/electsim/sim"
)

// client is a participant: an etcd client holding a concurrency.Session and
// campaigning with concurrency.Election. All its state is volatile: a
// restarted client starts a new session.
type client struct {
	cfg   Config
	env   sim.Env
	coord sim.NodeID

	req       uint64 // last request number, to match answers
	grantSent time.Duration
	lease     LeaseID       // the session's lease; 0 without a session
	deadline  time.Duration // local monotonic time the session ends at
	kaSeq     uint64
	kaSent    [16]sentAt // recent keepalives' send times, for deadline_from: send

	rev     Revision // this client's key; 0 before the campaign is answered
	leading bool

	keepaliveTimer sim.TimerID
	retryTimer     sim.TimerID
	checkTimer     sim.TimerID
}

type sentAt struct {
	seq uint64
	at  time.Duration
}

// Timer tags.
const (
	tagKeepalive = "keepalive"
	tagRetry     = "retry"
	tagCheck     = "deadline-check"
)

func (c *client) Start(env sim.Env) {
	c.env = env
	c.coord = env.Service(CoordinatorName)
	c.newSession()
}

// newSession asks for a lease; the campaign follows the grant.
func (c *client) newSession() {
	c.req++
	c.grantSent = c.env.Mono()
	c.env.Send(c.coord, Grant{Req: c.req, TTL: c.cfg.TTL})
	c.retryTimer = c.restart(c.retryTimer, requestRetry, tagRetry)
}

// restart stops a timer, if any, and sets it again.
func (c *client) restart(id sim.TimerID, d time.Duration, tag string) sim.TimerID {
	c.env.StopTimer(id)
	return c.env.SetTimer(d, tag)
}

func (c *client) Deliver(_ sim.NodeID, m sim.Message) {
	switch m := m.(type) {
	case Granted:
		c.granted(m)
	case KeepAliveResp:
		c.keptAlive(m)
	case CampaignResp:
		c.campaigned(m)
	case Elected:
		if m.Lease == c.lease && m.Rev == c.rev {
			c.lead()
		}
	}
}

func (c *client) Fire(t sim.Timer) {
	switch t.Tag {
	case tagKeepalive:
		c.sendKeepalive()
	case tagRetry:
		c.retry()
	case tagCheck:
		c.checkDeadline()
	}
}

func (c *client) granted(m Granted) {
	if m.Req != c.req || c.lease != 0 {
		return // an answer to an older request
	}
	c.lease = m.Lease
	c.extend(c.grantSent, m.TTL)
	c.keepaliveTimer = c.restart(c.keepaliveTimer, c.cfg.keepalive(), tagKeepalive)
	c.startChecks()
	c.campaign()
}

func (c *client) campaign() {
	c.req++
	c.env.Send(c.coord, Campaign{Req: c.req, Lease: c.lease})
	c.retryTimer = c.restart(c.retryTimer, requestRetry, tagRetry)
}

// retry resends the grant or campaign that got no answer.
func (c *client) retry() {
	switch {
	case c.lease == 0:
		c.newSession()
	case c.rev == 0:
		c.campaign()
	}
}

func (c *client) campaigned(m CampaignResp) {
	if m.Req != c.req || m.Lease != c.lease {
		return
	}
	c.env.StopTimer(c.retryTimer)
	if m.Gone {
		c.loseSession()
		return
	}
	c.rev = m.Rev
	if m.Leader == c.rev {
		c.lead()
	}
}

// sendKeepalive renews the lease, and keeps resending every 500ms until an
// answer resets the schedule, as the etcd client's send loop does.
func (c *client) sendKeepalive() {
	c.kaSeq++
	c.kaSent[c.kaSeq%uint64(len(c.kaSent))] = sentAt{seq: c.kaSeq, at: c.env.Mono()}
	c.env.Send(c.coord, KeepAlive{Lease: c.lease, Seq: c.kaSeq})
	c.keepaliveTimer = c.restart(c.keepaliveTimer, keepaliveRetry, tagKeepalive)
}

func (c *client) keptAlive(m KeepAliveResp) {
	if m.Lease != c.lease || c.lease == 0 {
		return
	}
	if m.TTL <= 0 {
		c.loseSession() // the coordinator expired the lease
		return
	}
	sent, ok := c.sentTime(m.Seq)
	if !ok {
		return // too old to trust for a deadline
	}
	c.extend(sent, m.TTL)
	c.keepaliveTimer = c.restart(c.keepaliveTimer, c.cfg.keepalive(), tagKeepalive)
	if m.Leader == c.rev && c.rev != 0 {
		c.lead() // the watch resync: a lost Elected is made up for here
	}
}

func (c *client) sentTime(seq uint64) (time.Duration, bool) {
	s := c.kaSent[seq%uint64(len(c.kaSent))]
	return s.at, s.seq == seq
}

// extend moves the local deadline to start + ttl, where start is the
// receipt of the answer (etcd) or the send of the request it answers. It
// never moves the deadline back: a late, reordered answer says nothing new.
func (c *client) extend(sent, ttl time.Duration) {
	start := c.env.Mono()
	if c.cfg.DeadlineFrom == FromSend {
		start = sent
	}
	c.deadline = max(c.deadline, start+ttl)
	if c.cfg.CheckEvery == 0 {
		c.checkTimer = c.restart(c.checkTimer, c.deadline-c.cfg.Margin-c.env.Mono(), tagCheck)
	}
}

// startChecks begins the periodic deadline check (or, with check_every 0,
// extend keeps one timer at the deadline).
func (c *client) startChecks() {
	if c.cfg.CheckEvery > 0 && c.checkTimer == 0 {
		c.checkTimer = c.env.SetTimer(c.cfg.CheckEvery, tagCheck)
	}
}

func (c *client) checkDeadline() {
	if c.cfg.CheckEvery > 0 {
		c.checkTimer = c.env.SetTimer(c.cfg.CheckEvery, tagCheck)
	} else {
		c.checkTimer = 0
	}
	if c.lease != 0 && !c.inSession() {
		c.loseSession()
	}
}

// inSession reports whether the local clock is still before the deadline,
// less the margin.
func (c *client) inSession() bool {
	return c.env.Mono() < c.deadline-c.cfg.Margin
}

func (c *client) lead() {
	if !c.leading {
		c.leading = true
		c.env.Lead(sim.Generation(c.rev))
	}
}

// loseSession is Session.Done closing: step down, revoke the lease in case
// the coordinator still has it, and start over.
func (c *client) loseSession() {
	if c.leading {
		c.leading = false
		c.env.StepDown()
	}
	if c.lease != 0 {
		c.env.Send(c.coord, Revoke{Lease: c.lease})
	}
	c.lease, c.rev, c.deadline = 0, 0, 0
	c.env.StopTimer(c.keepaliveTimer)
	c.newSession()
}

// MayAct is the act-time check: with act_check, the client acts only while
// its own clock says the session holds.
func (c *client) MayAct(gen sim.Generation) bool {
	if !c.cfg.ActCheck {
		return true
	}
	return c.leading && sim.Generation(c.rev) == gen && c.inSession()
}
