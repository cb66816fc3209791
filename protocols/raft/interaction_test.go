package raft

import (
	"fmt"
	"path/filepath"
	"reflect"
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
//	          [commit=false] [election-timer=paper] [prevote-refusal=thesis] [commit-notify=etcd]
//	          [log-2=1/1/2]
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
			protocoltest.RunTranscript(t, path, func(t *testing.T, d *datadriven.TestData) string {
				c.run(t, d)
				return c.Output()
			})
		})
	}
}

// cluster is protocoltest's Cluster of Raft nodes, with Raft's own
// commands and its own account of each step.
type cluster struct {
	*protocoltest.Cluster
	cfg  Config
	acts uint64 // acts proposed so far
}

// node is node id's Raft, or nil while it is crashed.
func (c *cluster) node(id sim.NodeID) *Node {
	n, _ := c.Nodes[id-1].(*Node)
	return n
}

func (c *cluster) run(t *testing.T, d *datadriven.TestData) {
	if d.Cmd != "add-nodes" && c.Cluster == nil {
		t.Fatalf("%s: %s before add-nodes", d.Pos, d.Cmd)
	}
	switch d.Cmd {
	case "add-nodes":
		c.addNodes(t, d)
	case "campaign":
		c.Fire(t, d, tagElection)
	case "tick-heartbeat":
		c.Fire(t, d, tagHeartbeat)
	case "check-quorum":
		c.Fire(t, d, tagCheckQuorum)
	case "propose":
		for _, id := range c.NodesOf(t, d) {
			c.propose(id)
		}
	case "log":
		for _, id := range c.NodesOf(t, d) {
			c.printLog(id)
		}
	case "ack":
		c.ack(t, d)
	case "storage":
		for id := range c.Each() {
			c.Printf("%s", c.storage(id))
		}
	case "may-act":
		for _, id := range c.NodesOf(t, d) {
			c.mayAct(id)
		}
	default:
		if !c.Cluster.Run(t, d) {
			t.Fatalf("%s: unknown command %q", d.Pos, d.Cmd)
		}
	}
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
		case "commit-notify":
			cfg.CommitNotify = v
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
	c.cfg, c.acts = cfg, 0
	c.Cluster = protocoltest.NewCluster(n, func(sim.NodeID) sim.Node { return NewNode(c.cfg, nil) })
	c.Watch, c.Status = c.watch, c.status
	c.StartAll()
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
	n, e := c.node(id), c.Envs[id-1]
	return snapshot{role: n.role, term: n.term, vote: n.votedFor, lead: n.lead, log: n.log.tail(), committed: n.log.committed,
		election: reflect.ValueOf(n.votes).Pointer(), leading: e.Leading, gen: e.Gen, commits: len(e.Commits)}
}

// watch is the cluster's Watch: a started node's state, or what a step
// changed.
func (c *cluster) watch(id sim.NodeID, started bool) func() {
	before := c.snapshot(id)
	return func() {
		after := c.snapshot(id)
		if started {
			c.Printf("%d started: %s", id, describe(after))
		} else {
			c.report(id, before, after)
		}
	}
}

// report prints a node's changes, in the order a reader wants them.
func (c *cluster) report(id sim.NodeID, b, a snapshot) {
	if b.leading && (!a.leading || a.gen != b.gen) {
		c.Printf("%d stops leading term %d", id, b.gen)
	}
	newRole := a.role != b.role || a.term != b.term ||
		(a.election != b.election && a.role != Follower && a.role != Leader)
	if newRole {
		c.Printf("%d became %s at term %d", id, a.role, a.term)
	}
	switch {
	case a.vote == b.vote && a.term == b.term, a.vote == id && a.role == Candidate:
	case a.vote == sim.NoNode && a.term != b.term:
	case a.vote == sim.NoNode:
		c.Printf("%d forgot its vote for %d in term %d", id, b.vote, a.term)
	default:
		c.Printf("%d voted for %d in term %d", id, a.vote, a.term)
	}
	switch {
	case a.lead == b.lead, a.lead == id:
	case a.lead == sim.NoNode && newRole:
	case a.lead == sim.NoNode:
		c.Printf("%d no longer follows %d", id, b.lead)
	default:
		c.Printf("%d follows leader %d", id, a.lead)
	}
	if a.log != b.log {
		c.Printf("%d log is %s (was %s)", id, a.log, b.log)
	}
	if a.committed != b.committed {
		c.Printf("%d commits up to %d (was %d)", id, a.committed, b.committed)
	}
	for _, act := range c.Envs[id-1].Commits[b.commits:a.commits] {
		c.Printf("%d applies act %d (n%d's, term %d): it goes to the resource", id, act.ID, act.By, act.Gen)
	}
	if a.leading && (!b.leading || a.gen != b.gen) {
		c.Printf("%d starts leading term %d", id, a.gen)
	}
}

func describe(s snapshot) string {
	return fmt.Sprintf("%s term=%d lead=%d log=%s commit=%d vote=%d", s.role, s.term, s.lead, s.log, s.committed, s.vote)
}

func (c *cluster) status(id sim.NodeID) string {
	s := c.snapshot(id)
	line := fmt.Sprintf("%d: %s", id, describe(s))
	if s.leading != (s.role == Leader) {
		line += fmt.Sprintf(" leading=%t", s.leading) // belief and role disagree
	}
	return line
}

func (c *cluster) storage(id sim.NodeID) string {
	st := c.Envs[id-1].Storage()
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
	n := c.node(id)
	if n == nil {
		c.Printf("%d is crashed", id)
		return
	}
	if !n.Replicates(sim.Generation(n.term)) {
		c.Printf("%d serves its act at once, without a commit", id)
		return
	}
	c.acts++
	act := sim.ActRef{ID: c.acts, Gen: sim.Generation(n.term), By: id}
	c.Printf("%d proposes act %d in term %d", id, act.ID, n.term)
	c.Step(id, func() { n.Propose(act) }, false)
}

// ack delivers to a node, from another, an acknowledgement of the node's
// term up to an index, as if the network had brought it.
func (c *cluster) ack(t *testing.T, d *datadriven.TestData) {
	var to, from sim.NodeID
	var index uint64
	for _, arg := range d.CmdArgs {
		switch arg.Key {
		case "from":
			from = c.ID(t, d, arg.SingleVal(t))
		case "index":
			arg.Scan(t, 0, &index)
		default:
			to = c.ID(t, d, arg.Key)
		}
	}
	n := c.node(to)
	if n == nil || from == 0 {
		t.Fatalf("%s: ack needs a running node and from=", d.Pos)
	}
	c.Deliver(protocoltest.Envelope{From: from, To: to, Msg: AppendResp{Term: n.term, Index: index}})
}

// printLog shows a node's entries: index, term, and the act, if any.
func (c *cluster) printLog(id sim.NodeID) {
	n := c.node(id)
	if n == nil {
		c.Printf("%d is crashed", id)
		return
	}
	var parts []string
	for i := n.log.first; i <= n.log.lastIndex(); i++ {
		parts = append(parts, fmt.Sprintf("%d:%v", i, n.log.entry(i)))
	}
	c.Printf("%d log (committed %d): %s", id, n.log.committed, strings.Join(parts, " "))
}

// mayAct reports whether a node may act as leader of its term now, and why.
func (c *cluster) mayAct(id sim.NodeID) {
	n := c.node(id)
	if n == nil {
		c.Printf("%d is crashed", id)
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
	c.Printf("%d may act in term %d: %t (%s)", id, n.term, may, why)
}
