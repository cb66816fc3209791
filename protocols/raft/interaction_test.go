package raft

import (
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"

	"github.com/electsim/electsim/protocols/protocoltest"
	"github.com/electsim/electsim/sim"
)

// TestInteraction runs the transcripts in testdata/, in the style of
// etcd-io/raft's interaction tests: each file is a small story told with
// the commands below, and its expected output is the protocol's own account
// of what happened. Regenerate with -rewrite, then read the diff.
//
//	add-nodes 3 [prevote=true] [check-quorum=true] [lease=true] [persist=false] [write-every=0s]
//	          [commit=false] [election-timer=paper] [prevote-refusal=thesis] [log-2=1/1/2]
//	    starts a fresh cluster of nodes 1..3 with Raft's defaults changed so;
//	    log-2 gives node 2 an initial log of entries of those terms.
//	propose 1
//	    the workload's act comes due at node 1: it proposes an act.
//	ack 1 from=3 index=2
//	    node 1 hears from 3, in 1's term, that 3 holds the log up to 2.
//	campaign 1 | tick-heartbeat 1 | check-quorum 1
//	    fires that timer of node 1 now, as if it had come due.
//	advance 500ms
//	    moves every node's clock forward without firing any timer.
//	deliver-msgs [2 3] [from=1] [drop=(3)]
//	    delivers the queued messages (to 2 and 3 only, from 1 only) once;
//	    answers are queued. drop= loses those addressed to the nodes named.
//	stabilize
//	    delivers rounds of messages until none is queued.
//	isolate 3 | cut 1 3 | recover
//	    the network loses every message to or from 3 (between 1 and 3),
//	    until recover.
//	crash 2 | restart 2
//	    2 loses all but its storage; restart starts a fresh node on it.
//	status | storage | log 1 | timers 1 | may-act 1
//	    one line per node: its state, or what its storage holds; node 1's
//	    log entries, or its timers with when they are due; whether node 1
//	    may act as leader now (the leader lease).
func TestInteraction(t *testing.T) {
	// testdata/*.txt only: testdata/rapid holds rapid's failure files.
	paths, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no transcripts in testdata: %v", err)
	}
	for _, path := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txt"), func(t *testing.T) {
			c := &cluster{}
			datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
				c.out.Reset()
				c.run(t, d)
				if c.out.Len() == 0 {
					return "ok\n"
				}
				return c.out.String()
			})
		})
	}
}

// stabilizeRoundsMax bounds stabilize: the nodes' timers never fire on
// their own, so a healthy exchange settles in a few rounds.
const stabilizeRoundsMax = 50

// cluster is N Raft nodes on hand-driven Envs that share one clock, and
// the network between them: a queue of messages in send order.
type cluster struct {
	cfg      Config
	nodes    []*Node // by ID-1; nil while crashed
	envs     []*protocoltest.Env
	logsSeen []int // how many of each Env's log lines are printed
	queue    []envelope
	isolated map[sim.NodeID]bool
	cuts     map[[2]sim.NodeID]bool // links lost both ways, lower ID first

	out    strings.Builder
	indent string
	acts   uint64 // acts proposed so far
}

type envelope struct {
	from, to sim.NodeID
	msg      sim.Message
	dropped  string // why the network lost it, when it did
}

func (e envelope) String() string {
	s := fmt.Sprintf("%d->%d %v", e.from, e.to, e.msg)
	if e.dropped != "" {
		s += " dropped (" + e.dropped + ")"
	}
	return s
}

func (c *cluster) run(t *testing.T, d *datadriven.TestData) {
	if d.Cmd != "add-nodes" && c.nodes == nil {
		t.Fatalf("%s: %s before add-nodes", d.Pos, d.Cmd)
	}
	switch d.Cmd {
	case "add-nodes":
		c.addNodes(t, d)
	case "campaign":
		c.fire(t, d, tagElection)
	case "tick-heartbeat":
		c.fire(t, d, tagHeartbeat)
	case "propose":
		for _, id := range c.nodesOf(t, d) {
			c.propose(id)
		}
	case "log":
		for _, id := range c.nodesOf(t, d) {
			c.printLog(id)
		}
	case "ack":
		c.ack(t, d)
	case "timers":
		for _, id := range c.nodesOf(t, d) {
			c.printf("%d timers: %s", id, strings.Join(c.envs[id-1].Pending(), " "))
		}
	case "check-quorum":
		c.fire(t, d, tagCheckQuorum)
	case "advance":
		c.advance(t, d)
	case "deliver-msgs":
		c.deliverMsgs(t, d)
	case "stabilize":
		if len(d.CmdArgs) > 0 {
			t.Fatalf("%s: stabilize takes no arguments", d.Pos)
		}
		c.stabilize(t, d)
	case "isolate":
		for _, id := range c.nodesOf(t, d) {
			c.isolated[id] = true
		}
	case "cut":
		ids := c.ids(t, d)
		if len(ids) != 2 || ids[0] == ids[1] {
			t.Fatalf("%s: cut needs two nodes", d.Pos)
		}
		c.cuts[link(ids[0], ids[1])] = true
	case "recover":
		clear(c.isolated)
		clear(c.cuts)
	case "crash":
		for _, id := range c.nodesOf(t, d) {
			c.crash(id)
		}
	case "restart":
		for _, id := range c.nodesOf(t, d) {
			c.restart(t, d, id)
		}
	case "status":
		for id := range c.each() {
			c.printf("%s", c.status(id))
		}
	case "storage":
		for id := range c.each() {
			c.printf("%s", c.storage(id))
		}
	case "may-act":
		for _, id := range c.nodesOf(t, d) {
			c.mayAct(id)
		}
	default:
		t.Fatalf("%s: unknown command %q", d.Pos, d.Cmd)
	}
}

func (c *cluster) printf(format string, args ...any) {
	c.out.WriteString(c.indent)
	fmt.Fprintf(&c.out, format, args...)
	c.out.WriteByte('\n')
}

// each yields the node IDs 1..N.
func (c *cluster) each() func(func(sim.NodeID) bool) {
	return func(yield func(sim.NodeID) bool) {
		for i := range c.envs {
			if !yield(sim.NodeID(i + 1)) {
				return
			}
		}
	}
}

// ids reads the command's bare numbers: the nodes it is about.
func (c *cluster) ids(t *testing.T, d *datadriven.TestData) []sim.NodeID {
	var ids []sim.NodeID
	for _, arg := range d.CmdArgs {
		if len(arg.Vals) == 0 {
			ids = append(ids, c.id(t, d, arg.Key))
		}
	}
	return ids
}

// nodesOf is ids for the commands that need at least one node.
func (c *cluster) nodesOf(t *testing.T, d *datadriven.TestData) []sim.NodeID {
	ids := c.ids(t, d)
	if len(ids) == 0 {
		t.Fatalf("%s: %s needs a node", d.Pos, d.Cmd)
	}
	return ids
}

func (c *cluster) id(t *testing.T, d *datadriven.TestData, s string) sim.NodeID {
	i, err := strconv.Atoi(s)
	if err != nil || i < 1 || i > len(c.envs) {
		t.Fatalf("%s: %q is not a node of 1..%d", d.Pos, s, len(c.envs))
	}
	return sim.NodeID(i)
}

func (c *cluster) addNodes(t *testing.T, d *datadriven.TestData) {
	cfg := Defaults
	cfg.InitialLogs = map[string][]Term{}
	n := 0
	for _, arg := range d.CmdArgs {
		if len(arg.Vals) == 0 {
			n, _ = strconv.Atoi(arg.Key)
			continue
		}
		v := arg.SingleVal(t)
		var err error
		if node, ok := strings.CutPrefix(arg.Key, "log-"); ok {
			for _, term := range strings.Split(v, "/") {
				tm, perr := strconv.ParseUint(term, 10, 64)
				if perr != nil {
					t.Fatalf("%s: %s: %v", d.Pos, arg.Key, perr)
				}
				cfg.InitialLogs["n"+node] = append(cfg.InitialLogs["n"+node], Term(tm))
			}
			continue
		}
		switch arg.Key {
		case "prevote":
			cfg.PreVote, err = strconv.ParseBool(v)
		case "check-quorum":
			cfg.CheckQuorum, err = strconv.ParseBool(v)
		case "lease":
			cfg.LeaderLease, err = strconv.ParseBool(v)
		case "persist":
			cfg.Persist, err = strconv.ParseBool(v)
		case "write-every":
			cfg.WriteEvery, err = time.ParseDuration(v)
		case "commit":
			cfg.Commit, err = strconv.ParseBool(v)
		case "election-timer":
			cfg.TimerRule = v
		case "prevote-refusal":
			cfg.PreVoteRefusal = v
		default:
			t.Fatalf("%s: unknown option %q", d.Pos, arg.Key)
		}
		if err != nil {
			t.Fatalf("%s: %s: %v", d.Pos, arg.Key, err)
		}
	}
	if n < 1 || n > 9 {
		t.Fatalf("%s: add-nodes needs a count from 1 to 9", d.Pos)
	}
	*c = cluster{cfg: cfg, isolated: map[sim.NodeID]bool{}, cuts: map[[2]sim.NodeID]bool{},
		nodes: make([]*Node, n), envs: make([]*protocoltest.Env, n), logsSeen: make([]int, n)}
	for id := range c.each() {
		c.envs[id-1] = protocoltest.NewEnv(id, n)
		c.start(id)
	}
}

// start builds a fresh node on id's Env (and storage) and starts it.
func (c *cluster) start(id sim.NodeID) {
	n := NewNode(c.cfg, nil)
	c.nodes[id-1] = n
	c.act(id, func() { n.Start(c.envs[id-1]) }, true)
}

// fire fires a node's timer now, as if its time had come.
func (c *cluster) fire(t *testing.T, d *datadriven.TestData, tag string) {
	for _, id := range c.nodesOf(t, d) {
		n := c.nodes[id-1]
		if n == nil {
			c.printf("%d is crashed", id)
			continue
		}
		fired := false
		c.act(id, func() { fired = c.envs[id-1].FireNow(n, tag) }, false)
		if !fired {
			c.printf("%d has no %s timer", id, tag)
		}
	}
}

func (c *cluster) advance(t *testing.T, d *datadriven.TestData) {
	if len(d.CmdArgs) != 1 {
		t.Fatalf("%s: advance needs one duration", d.Pos)
	}
	by, err := time.ParseDuration(d.CmdArgs[0].Key)
	if err != nil || by < 0 {
		t.Fatalf("%s: advance: bad duration %q", d.Pos, d.CmdArgs[0].Key)
	}
	for _, e := range c.envs {
		e.AdvanceClock(by)
	}
	c.printf("now %v", c.envs[0].Now)
}

// snapshot is what the transcript reports when it changes.
type snapshot struct {
	role      Role
	term      Term
	vote      sim.NodeID
	lead      sim.NodeID
	log       logTail
	committed uint64
	election  uintptr // the votes map: a new one is a new election
	leading   bool
	gen       sim.Generation
	commits   int // acts committed so far
}

func (c *cluster) snapshot(id sim.NodeID) snapshot {
	n, e := c.nodes[id-1], c.envs[id-1]
	return snapshot{role: n.role, term: n.term, vote: n.votedFor, lead: n.lead, log: n.log.tail(), committed: n.log.committed,
		election: reflect.ValueOf(n.votes).Pointer(), leading: e.Leading, gen: e.Gen, commits: len(e.Commits)}
}

// act runs f on node id, then prints what changed and what the node
// logged, and queues what it sent.
func (c *cluster) act(id sim.NodeID, f func(), started bool) {
	before := c.snapshot(id)
	f()
	after := c.snapshot(id)
	e := c.envs[id-1]
	for _, line := range e.Logs[c.logsSeen[id-1]:] {
		c.printf("%d %s", id, line)
	}
	c.logsSeen[id-1] = len(e.Logs)
	if started {
		c.printf("%d started: %s", id, describe(after))
	} else {
		c.report(id, before, after)
	}
	for _, s := range e.Take() {
		m := envelope{from: id, to: s.To, msg: s.Msg}
		m.dropped = c.lost(m)
		c.queue = append(c.queue, m)
	}
}

// report prints a node's changes, in the order a reader wants them.
func (c *cluster) report(id sim.NodeID, b, a snapshot) {
	if b.leading && (!a.leading || a.gen != b.gen) {
		c.printf("%d stops leading term %d", id, b.gen)
	}
	newRole := a.role != b.role || a.term != b.term ||
		(a.election != b.election && a.role != Follower && a.role != Leader)
	if newRole {
		c.printf("%d became %s at term %d", id, a.role, a.term)
	}
	switch {
	case a.vote == b.vote && a.term == b.term, a.vote == id && a.role == Candidate:
	case a.vote == sim.NoNode && a.term != b.term:
	case a.vote == sim.NoNode:
		c.printf("%d forgot its vote for %d in term %d", id, b.vote, a.term)
	default:
		c.printf("%d voted for %d in term %d", id, a.vote, a.term)
	}
	switch {
	case a.lead == b.lead, a.lead == id:
	case a.lead == sim.NoNode && newRole:
	case a.lead == sim.NoNode:
		c.printf("%d no longer follows %d", id, b.lead)
	default:
		c.printf("%d follows leader %d", id, a.lead)
	}
	if a.log != b.log {
		c.printf("%d log is %s (was %s)", id, a.log, b.log)
	}
	if a.committed != b.committed {
		c.printf("%d commits up to %d (was %d)", id, a.committed, b.committed)
	}
	for _, act := range c.envs[id-1].Commits[b.commits:a.commits] {
		c.printf("%d applies act %d (n%d's, term %d): it goes to the resource", id, act.ID, act.By, act.Gen)
	}
	if a.leading && (!b.leading || a.gen != b.gen) {
		c.printf("%d starts leading term %d", id, a.gen)
	}
}

func describe(s snapshot) string {
	return fmt.Sprintf("%s term=%d lead=%d log=%s commit=%d vote=%d", s.role, s.term, s.lead, s.log, s.committed, s.vote)
}

func (c *cluster) status(id sim.NodeID) string {
	if c.nodes[id-1] == nil {
		return fmt.Sprintf("%d: crashed", id)
	}
	s := c.snapshot(id)
	line := fmt.Sprintf("%d: %s", id, describe(s))
	if s.leading != (s.role == Leader) {
		line += fmt.Sprintf(" leading=%t", s.leading) // belief and role disagree
	}
	return line
}

func (c *cluster) storage(id sim.NodeID) string {
	st := c.envs[id-1].Storage()
	line := fmt.Sprintf("%d:", id)
	var hard hardState
	h, hasHard := st.Get(storeHard)
	if hasHard {
		hard = h.(hardState)
	}
	if _, hasLog := st.Get(storeLog); !hasHard && !hasLog {
		return line + " nothing"
	}
	if hard.Term != 0 || hard.Vote != sim.NoNode {
		line += fmt.Sprintf(" term=%d vote=%d", hard.Term, hard.Vote)
	} else {
		line += " no term or vote"
	}
	saved := logState{First: 1}
	if l, ok := st.Get(storeLog); ok {
		saved = l.(logState)
	}
	log := raftLog{entries: saved.Entries, first: saved.First, snapTerm: saved.SnapTerm}
	return line + fmt.Sprintf(" log=%s commit=%d", log.tail(), hard.Commit)
}

// propose has node id's act come due: the kernel would number it next.
func (c *cluster) propose(id sim.NodeID) {
	n := c.nodes[id-1]
	if n == nil {
		c.printf("%d is crashed", id)
		return
	}
	if !n.Replicates(sim.Generation(n.term)) {
		c.printf("%d serves its act at once, without a commit", id)
		return
	}
	c.acts++
	act := sim.ActRef{ID: c.acts, Gen: sim.Generation(n.term), By: id}
	c.printf("%d proposes act %d in term %d", id, act.ID, n.term)
	c.act(id, func() { n.Propose(act) }, false)
}

// ack delivers to a node, from another, an acknowledgement of the node's
// term up to an index, as if the network had brought it.
func (c *cluster) ack(t *testing.T, d *datadriven.TestData) {
	var to, from sim.NodeID
	var index uint64
	for _, arg := range d.CmdArgs {
		switch arg.Key {
		case "from":
			from = c.id(t, d, arg.SingleVal(t))
		case "index":
			arg.Scan(t, 0, &index)
		default:
			to = c.id(t, d, arg.Key)
		}
	}
	n := c.nodes[to-1]
	if n == nil || from == 0 {
		t.Fatalf("%s: ack needs a running node and from=", d.Pos)
	}
	c.deliver(envelope{from: from, to: to, msg: AppendResp{Term: n.term, Index: index}})
}

// printLog shows a node's entries: index, term, and the act, if any.
func (c *cluster) printLog(id sim.NodeID) {
	n := c.nodes[id-1]
	if n == nil {
		c.printf("%d is crashed", id)
		return
	}
	var parts []string
	for i := n.log.first; i <= n.log.lastIndex(); i++ {
		parts = append(parts, fmt.Sprintf("%d:%v", i, n.log.entry(i)))
	}
	c.printf("%d log (committed %d): %s", id, n.log.committed, strings.Join(parts, " "))
}

// lost says why the network loses m now, or "".
func (c *cluster) lost(m envelope) string {
	switch {
	case m.dropped != "":
		return m.dropped
	case c.isolated[m.from]:
		return fmt.Sprintf("%d isolated", m.from)
	case c.isolated[m.to]:
		return fmt.Sprintf("%d isolated", m.to)
	case c.cuts[link(m.from, m.to)]:
		return fmt.Sprintf("%d-%d cut", min(m.from, m.to), max(m.from, m.to))
	case c.nodes[m.to-1] == nil:
		return fmt.Sprintf("%d crashed", m.to)
	}
	return ""
}

func link(a, b sim.NodeID) [2]sim.NodeID { return [2]sim.NodeID{min(a, b), max(a, b)} }

// deliver hands m to its node and prints the node's reactions.
func (c *cluster) deliver(m envelope) {
	c.printf("%s", m)
	if m.dropped != "" {
		return
	}
	c.act(m.to, func() { c.nodes[m.to-1].Deliver(m.from, m.msg) }, false)
}

// take removes from the queue the messages to and from the nodes given
// (all when none is), with drop marking those to the dropped nodes.
func (c *cluster) take(to, from, drop []sim.NodeID) []envelope {
	var taken, kept []envelope
	for _, m := range c.queue {
		if (len(to) > 0 && !slices.Contains(to, m.to)) || (len(from) > 0 && !slices.Contains(from, m.from)) {
			kept = append(kept, m)
			continue
		}
		m.dropped = c.lost(m)
		if m.dropped == "" && slices.Contains(drop, m.to) {
			m.dropped = "drop"
		}
		taken = append(taken, m)
	}
	c.queue = kept
	return taken
}

func (c *cluster) deliverMsgs(t *testing.T, d *datadriven.TestData) {
	var from, drop []sim.NodeID
	for _, arg := range d.CmdArgs {
		for _, v := range arg.Vals {
			switch arg.Key {
			case "from":
				from = append(from, c.id(t, d, v))
			case "drop":
				drop = append(drop, c.id(t, d, v))
			default:
				t.Fatalf("%s: unknown option %q", d.Pos, arg.Key)
			}
		}
	}
	// By receiver, each in send order: the same outcome as send order,
	// since answers wait in the queue, and it reads as each node's story.
	msgs := c.take(c.ids(t, d), from, drop)
	slices.SortStableFunc(msgs, func(a, b envelope) int { return int(a.to - b.to) })
	for _, m := range msgs {
		c.deliver(m)
	}
}

// stabilize delivers rounds of messages until the network is quiet:
// first what each node sent, then what each node received and did.
func (c *cluster) stabilize(t *testing.T, d *datadriven.TestData) {
	for round := 0; len(c.queue) > 0; round++ {
		if round == stabilizeRoundsMax {
			t.Fatalf("%s: still %d messages queued after %d rounds", d.Pos, len(c.queue), round)
		}
		msgs := c.take(nil, nil, nil)
		for id := range c.each() {
			c.section(id, "sending", msgs, func(m envelope) bool { return m.from == id }, func(m envelope) { c.printf("%s", m) })
		}
		for id := range c.each() {
			c.section(id, "receiving", msgs, func(m envelope) bool { return m.to == id && m.dropped == "" }, c.deliver)
		}
	}
}

func (c *cluster) section(id sim.NodeID, verb string, msgs []envelope, in func(envelope) bool, do func(envelope)) {
	if !slices.ContainsFunc(msgs, in) {
		return
	}
	c.printf("> %d %s messages", id, verb)
	c.indent = "  "
	for _, m := range msgs {
		if in(m) {
			do(m)
		}
	}
	c.indent = ""
}

func (c *cluster) crash(id sim.NodeID) {
	if c.nodes[id-1] == nil {
		c.printf("%d is crashed", id)
		return
	}
	c.act(id, func() { c.envs[id-1].Crash() }, false)
	c.nodes[id-1] = nil
	c.printf("%d crashed", id)
	c.queue = slices.DeleteFunc(c.queue, func(m envelope) bool {
		if m.from == id {
			m.dropped = fmt.Sprintf("%d crashed", id)
			c.printf("%s", m)
		}
		return m.from == id
	})
}

func (c *cluster) restart(t *testing.T, d *datadriven.TestData, id sim.NodeID) {
	if c.nodes[id-1] != nil {
		t.Fatalf("%s: %d is running", d.Pos, id)
	}
	c.start(id)
}

// mayAct reports whether a node may act as leader of its term now, and why.
func (c *cluster) mayAct(id sim.NodeID) {
	n := c.nodes[id-1]
	if n == nil {
		c.printf("%d is crashed", id)
		return
	}
	may := n.MayAct(sim.Generation(n.term))
	why := ""
	switch until := n.lease.until(n.cfg.leaseLength()); {
	case n.role != Leader:
		why = "not leader"
	case !n.cfg.LeaderLease:
		why = "no lease"
	case until == 0:
		why = "no heartbeat acknowledged by a quorum yet"
	default:
		why = fmt.Sprintf("lease from %v until %v, now %v", n.lease.since, until, n.env.Mono())
	}
	c.printf("%d may act in term %d: %t (%s)", id, n.term, may, why)
}
