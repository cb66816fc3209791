package raft

import (
	"math/bits"
	"time"

	"github.com/electsim/electsim/sim"
)

// disk is a node's durable state, kept in its Storage under one key. It is
// written only in persist, as a write to disk would be, and read back at
// Start: a crash loses everything else. Keeping the one struct, rather than
// storing new values, makes a write cost no allocation on every heartbeat.
type disk struct {
	Term     Term
	VotedFor sim.NodeID
	Log      logTail
	hard     bool // Term and VotedFor were ever written
}

const storeDisk = "raft.disk"

// persist writes the term and vote (unless persist is off: the known bug)
// and the log tail. It runs before any message that depends on them leaves.
func (n *Node) persist() {
	if n.cfg.Persist {
		n.disk.Term, n.disk.VotedFor, n.disk.hard = n.term, n.votedFor, true
	}
	n.disk.Log = n.log
}

func (n *Node) restore() {
	st := n.env.Storage()
	d, ok := st.Get(storeDisk)
	if !ok {
		d = &disk{}
		st.Put(storeDisk, d)
	}
	n.disk = d.(*disk)
	if n.disk.hard {
		n.term, n.votedFor = n.disk.Term, n.disk.VotedFor
	}
	n.log = n.disk.Log
}

// leaderLease tracks which heartbeat rounds a quorum acknowledged. The
// lease runs from the send time of the latest such round.
type leaderLease struct {
	round  uint64
	rounds [8]leaseRound // recent rounds, by round % 8
	since  time.Duration // send time of the latest round a quorum acknowledged
	held   bool
}

type leaseRound struct {
	round  uint64
	sentAt time.Duration
	acks   uint64 // bit id-1 per acknowledging node: at most 64 participants
}

// start opens a heartbeat round sent now and returns its number.
func (l *leaderLease) start(now time.Duration) uint64 {
	l.round++
	l.rounds[l.round%uint64(len(l.rounds))] = leaseRound{round: l.round, sentAt: now}
	return l.round
}

// ack records that node acknowledged round; a quorum moves the lease.
func (l *leaderLease) ack(node sim.NodeID, round uint64, quorum int) {
	r := &l.rounds[round%uint64(len(l.rounds))]
	if r.round != round || node <= 0 {
		return // too old to matter
	}
	r.acks |= 1 << (uint(node) - 1)
	if bits.OnesCount64(r.acks) >= quorum && (!l.held || r.sentAt > l.since) {
		l.since, l.held = r.sentAt, true
	}
}

// until is when the lease ends on the leader's clock, or 0 if none is held.
func (l *leaderLease) until(length time.Duration) time.Duration {
	if !l.held {
		return 0
	}
	return l.since + length
}
