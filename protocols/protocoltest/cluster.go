package protocoltest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"

	"github.com/electsim/electsim/sim"
)

// Cluster is N nodes of a protocol on hand-driven Envs that share one
// clock, and the network between them: a queue of messages in send order.
// A datadriven transcript tells a story with its commands, in the style of
// etcd-io/raft's InteractionEnv, and the expected output is the protocol's
// own account of what happened:
//
//	fire 1 election
//	    fires node 1's timer of that tag now, as if it had come due.
//	advance 500ms
//	    moves every node's clock forward without firing any timer.
//	tick 100ms
//	    moves every node's clock forward, firing the timers that come due.
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
//	timers 1 | status
//	    node 1's timers with when they are due; one line per node.
//
// A protocol's own transcript test adds commands of its own (Run returns
// false for a command it does not know) and its own account of a node
// (Watch, Status).
type Cluster struct {
	Nodes []sim.Node // by ID-1; nil while crashed
	Envs  []*Env
	// New builds a fresh node for id, at the start and at each restart.
	New func(id sim.NodeID) sim.Node
	// Watch, called before a step of node id, returns what prints the
	// step's changes after it; started says the step is the node's Start.
	// By default a change of leadership ("1 starts leading gen 3") and, at
	// a start, "1 started".
	Watch func(id sim.NodeID, started bool) (after func())
	// Status is node id's line in status; by default whether it leads.
	Status func(id sim.NodeID) string

	queue    []Envelope
	isolated map[sim.NodeID]bool
	cuts     map[[2]sim.NodeID]bool // links lost both ways, lower ID first
	logsSeen []int                  // how many of each Env's log lines are printed

	out    strings.Builder
	indent string
}

// Envelope is a message on the cluster's network.
type Envelope struct {
	From, To sim.NodeID
	Msg      sim.Message
	Dropped  string // why the network lost it, when it did
}

func (e Envelope) String() string {
	s := fmt.Sprintf("%d->%d %v", e.From, e.To, e.Msg)
	if e.Dropped != "" {
		s += " dropped (" + e.Dropped + ")"
	}
	return s
}

// stabilizeRoundsMax bounds stabilize: the nodes' timers never fire on
// their own, so a healthy exchange settles in a few rounds.
const stabilizeRoundsMax = 50

// NewCluster starts n nodes built by newNode, on Envs of n participants.
func NewCluster(n int, newNode func(id sim.NodeID) sim.Node) *Cluster {
	c := &Cluster{New: newNode, Nodes: make([]sim.Node, n), Envs: make([]*Env, n), logsSeen: make([]int, n),
		isolated: map[sim.NodeID]bool{}, cuts: map[[2]sim.NodeID]bool{}}
	for id := range c.Each() {
		c.Envs[id-1] = NewEnv(id, n)
	}
	return c
}

// StartAll starts every node, in ID order, all of them built first: as in
// a run, where every node boots at 0, a message one sends at its start
// reaches the others.
func (c *Cluster) StartAll() {
	for id := range c.Each() {
		c.Nodes[id-1] = c.New(id)
	}
	for id := range c.Each() {
		n := c.Nodes[id-1]
		c.Step(id, func() { n.Start(c.Envs[id-1]) }, true)
	}
}

// RunTranscript runs the datadriven transcript at path: run handles each
// command (a protocol's own commands, then Cluster.Run for the rest) and
// returns what was printed (Cluster.Output); "ok" stands for nothing.
// -rewrite regenerates the file, to read as a diff.
func RunTranscript(t *testing.T, path string, run func(t *testing.T, d *datadriven.TestData) (out string)) {
	datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
		if out := run(t, d); out != "" {
			return out
		}
		return "ok\n"
	})
}

// Output returns what the cluster printed since the last call.
func (c *Cluster) Output() string {
	out := c.out.String()
	c.out.Reset()
	return out
}

// Printf prints a line of the transcript.
func (c *Cluster) Printf(format string, args ...any) {
	c.out.WriteString(c.indent)
	fmt.Fprintf(&c.out, format, args...)
	c.out.WriteByte('\n')
}

// Each yields the node IDs 1..N.
func (c *Cluster) Each() func(func(sim.NodeID) bool) {
	return func(yield func(sim.NodeID) bool) {
		for i := range c.Envs {
			if !yield(sim.NodeID(i + 1)) {
				return
			}
		}
	}
}

// Run runs one of the cluster's commands and reports whether it knew it.
func (c *Cluster) Run(t *testing.T, d *datadriven.TestData) bool {
	switch d.Cmd {
	case "fire":
		c.fireCmd(t, d)
	case "advance", "tick":
		c.advance(t, d)
	case "deliver-msgs":
		c.deliverMsgs(t, d)
	case "stabilize":
		if len(d.CmdArgs) > 0 {
			t.Fatalf("%s: stabilize takes no arguments", d.Pos)
		}
		c.Stabilize(t, d)
	case "isolate":
		for _, id := range c.NodesOf(t, d) {
			c.isolated[id] = true
		}
	case "cut":
		ids := c.IDs(t, d)
		if len(ids) != 2 || ids[0] == ids[1] {
			t.Fatalf("%s: cut needs two nodes", d.Pos)
		}
		c.cuts[link(ids[0], ids[1])] = true
	case "recover":
		clear(c.isolated)
		clear(c.cuts)
	case "crash":
		for _, id := range c.NodesOf(t, d) {
			c.crash(id)
		}
	case "restart":
		for _, id := range c.NodesOf(t, d) {
			if c.Nodes[id-1] != nil {
				t.Fatalf("%s: %d is running", d.Pos, id)
			}
			c.Start(id)
		}
	case "timers":
		for _, id := range c.NodesOf(t, d) {
			c.Printf("%d timers: %s", id, strings.Join(c.Envs[id-1].Pending(), " "))
		}
	case "status":
		for id := range c.Each() {
			c.Printf("%s", c.status(id))
		}
	default:
		return false
	}
	return true
}

// IDs reads the command's bare numbers: the nodes it is about.
func (c *Cluster) IDs(t *testing.T, d *datadriven.TestData) []sim.NodeID {
	var ids []sim.NodeID
	for _, arg := range d.CmdArgs {
		if len(arg.Vals) == 0 {
			if _, err := strconv.Atoi(arg.Key); err == nil {
				ids = append(ids, c.ID(t, d, arg.Key))
			}
		}
	}
	return ids
}

// NodesOf is IDs for the commands that need at least one node.
func (c *Cluster) NodesOf(t *testing.T, d *datadriven.TestData) []sim.NodeID {
	ids := c.IDs(t, d)
	if len(ids) == 0 {
		t.Fatalf("%s: %s needs a node", d.Pos, d.Cmd)
	}
	return ids
}

// ID reads one node ID of the cluster.
func (c *Cluster) ID(t *testing.T, d *datadriven.TestData, s string) sim.NodeID {
	i, err := strconv.Atoi(s)
	if err != nil || i < 1 || i > len(c.Envs) {
		t.Fatalf("%s: %q is not a node of 1..%d", d.Pos, s, len(c.Envs))
	}
	return sim.NodeID(i)
}

// Start builds a fresh node on id's Env (and storage) and starts it.
func (c *Cluster) Start(id sim.NodeID) {
	n := c.New(id)
	c.Nodes[id-1] = n
	c.Step(id, func() { n.Start(c.Envs[id-1]) }, true)
}

// Step runs f on node id, then prints what changed and what the node
// logged, and queues what it sent.
func (c *Cluster) Step(id sim.NodeID, f func(), started bool) {
	watch := c.Watch
	if watch == nil {
		watch = c.watchLeadership
	}
	after := watch(id, started)
	f()
	e := c.Envs[id-1]
	for _, line := range e.Logs[c.logsSeen[id-1]:] {
		c.Printf("%d %s", id, line)
	}
	c.logsSeen[id-1] = len(e.Logs)
	after()
	for _, s := range e.Take() {
		m := Envelope{From: id, To: s.To, Msg: s.Msg}
		m.Dropped = c.lost(m)
		c.queue = append(c.queue, m)
	}
}

// watchLeadership is the default Watch: starts and changes of leadership.
func (c *Cluster) watchLeadership(id sim.NodeID, started bool) func() {
	e := c.Envs[id-1]
	leading, gen := e.Leading, e.Gen
	return func() {
		switch {
		case started:
			c.Printf("%d started", id)
		case leading && (!e.Leading || e.Gen != gen):
			c.Printf("%d stops leading gen %d", id, gen)
		}
		if e.Leading && (!leading || e.Gen != gen) {
			c.Printf("%d starts leading gen %d", id, e.Gen)
		}
	}
}

func (c *Cluster) status(id sim.NodeID) string {
	switch {
	case c.Nodes[id-1] == nil:
		return fmt.Sprintf("%d: crashed", id)
	case c.Status != nil:
		return c.Status(id)
	case c.Envs[id-1].Leading:
		return fmt.Sprintf("%d: leads gen %d", id, c.Envs[id-1].Gen)
	}
	return fmt.Sprintf("%d: does not lead", id)
}

// fireCmd is "fire 1 [2...] TAG".
func (c *Cluster) fireCmd(t *testing.T, d *datadriven.TestData) {
	tag := ""
	for _, arg := range d.CmdArgs {
		if _, err := strconv.Atoi(arg.Key); err != nil && len(arg.Vals) == 0 {
			tag = arg.Key
		}
	}
	if tag == "" {
		t.Fatalf("%s: fire needs a timer's tag", d.Pos)
	}
	c.Fire(t, d, tag)
}

// Fire fires the named nodes' timer of that tag now, as if its time had
// come.
func (c *Cluster) Fire(t *testing.T, d *datadriven.TestData, tag string) {
	for _, id := range c.NodesOf(t, d) {
		n := c.Nodes[id-1]
		if n == nil {
			c.Printf("%d is crashed", id)
			continue
		}
		fired := false
		c.Step(id, func() { fired = c.Envs[id-1].FireNow(n, tag) }, false)
		if !fired {
			c.Printf("%d has no %s timer", id, tag)
		}
	}
}

// advance moves every clock forward; tick fires the timers that come due
// on the way, node by node.
func (c *Cluster) advance(t *testing.T, d *datadriven.TestData) {
	if len(d.CmdArgs) != 1 {
		t.Fatalf("%s: %s needs one duration", d.Pos, d.Cmd)
	}
	by, err := time.ParseDuration(d.CmdArgs[0].Key)
	if err != nil || by < 0 {
		t.Fatalf("%s: %s: bad duration %q", d.Pos, d.Cmd, d.CmdArgs[0].Key)
	}
	for id := range c.Each() {
		e, n := c.Envs[id-1], c.Nodes[id-1]
		if d.Cmd == "tick" && n != nil {
			c.Step(id, func() { e.Advance(n, by) }, false)
		} else {
			e.AdvanceClock(by)
		}
	}
	c.Printf("now %v", c.Envs[0].Now)
}

// lost says why the network loses m now, or "".
func (c *Cluster) lost(m Envelope) string {
	switch {
	case m.Dropped != "":
		return m.Dropped
	case c.isolated[m.From]:
		return fmt.Sprintf("%d isolated", m.From)
	case c.isolated[m.To]:
		return fmt.Sprintf("%d isolated", m.To)
	case c.cuts[link(m.From, m.To)]:
		return fmt.Sprintf("%d-%d cut", min(m.From, m.To), max(m.From, m.To))
	case int(m.To) > len(c.Nodes):
		return fmt.Sprintf("%d is no participant", m.To)
	case c.Nodes[m.To-1] == nil:
		return fmt.Sprintf("%d crashed", m.To)
	}
	return ""
}

func link(a, b sim.NodeID) [2]sim.NodeID { return [2]sim.NodeID{min(a, b), max(a, b)} }

// Deliver hands m to its node and prints the node's reactions.
func (c *Cluster) Deliver(m Envelope) {
	c.Printf("%s", m)
	if m.Dropped != "" {
		return
	}
	c.Step(m.To, func() { c.Nodes[m.To-1].Deliver(m.From, m.Msg) }, false)
}

// take removes from the queue the messages to and from the nodes given
// (all when none is), with drop marking those to the dropped nodes.
func (c *Cluster) take(to, from, drop []sim.NodeID) []Envelope {
	var taken, kept []Envelope
	for _, m := range c.queue {
		if (len(to) > 0 && !slices.Contains(to, m.To)) || (len(from) > 0 && !slices.Contains(from, m.From)) {
			kept = append(kept, m)
			continue
		}
		m.Dropped = c.lost(m)
		if m.Dropped == "" && slices.Contains(drop, m.To) {
			m.Dropped = "drop"
		}
		taken = append(taken, m)
	}
	c.queue = kept
	return taken
}

func (c *Cluster) deliverMsgs(t *testing.T, d *datadriven.TestData) {
	var from, drop []sim.NodeID
	for _, arg := range d.CmdArgs {
		for _, v := range arg.Vals {
			switch arg.Key {
			case "from":
				from = append(from, c.ID(t, d, v))
			case "drop":
				drop = append(drop, c.ID(t, d, v))
			default:
				t.Fatalf("%s: unknown option %q", d.Pos, arg.Key)
			}
		}
	}
	// By receiver, each in send order: the same outcome as send order,
	// since answers wait in the queue, and it reads as each node's story.
	msgs := c.take(c.IDs(t, d), from, drop)
	slices.SortStableFunc(msgs, func(a, b Envelope) int { return int(a.To - b.To) })
	for _, m := range msgs {
		c.Deliver(m)
	}
}

// Stabilize delivers rounds of messages until the network is quiet: first
// what each node sent, then what each node received and did.
func (c *Cluster) Stabilize(t *testing.T, d *datadriven.TestData) {
	for round := 0; len(c.queue) > 0; round++ {
		if round == stabilizeRoundsMax {
			t.Fatalf("%s: still %d messages queued after %d rounds", d.Pos, len(c.queue), round)
		}
		msgs := c.take(nil, nil, nil)
		for id := range c.Each() {
			c.section(id, "sending", msgs, func(m Envelope) bool { return m.From == id }, func(m Envelope) { c.Printf("%s", m) })
		}
		for id := range c.Each() {
			c.section(id, "receiving", msgs, func(m Envelope) bool { return m.To == id && m.Dropped == "" }, c.Deliver)
		}
	}
}

func (c *Cluster) section(id sim.NodeID, verb string, msgs []Envelope, in func(Envelope) bool, do func(Envelope)) {
	if !slices.ContainsFunc(msgs, in) {
		return
	}
	c.Printf("> %d %s messages", id, verb)
	c.indent = "  "
	for _, m := range msgs {
		if in(m) {
			do(m)
		}
	}
	c.indent = ""
}

func (c *Cluster) crash(id sim.NodeID) {
	if c.Nodes[id-1] == nil {
		c.Printf("%d is crashed", id)
		return
	}
	c.Step(id, func() { c.Envs[id-1].Crash() }, false)
	c.Nodes[id-1] = nil
	c.Printf("%d crashed", id)
	c.queue = slices.DeleteFunc(c.queue, func(m Envelope) bool {
		if m.From == id {
			m.Dropped = fmt.Sprintf("%d crashed", id)
			c.Printf("%s", m)
		}
		return m.From == id
	})
}
