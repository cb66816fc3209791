package raft

import (
	"math/bits"
	"time"

	"github.com/electsim/electsim/sim"
)

// hardState is what Raft must not forget: the term and the vote in it.
type hardState struct {
	Term     Term
	VotedFor sim.NodeID
}

const (
	storeHardState = "raft.hardstate"
	storeLog       = "raft.log"
)

// persist writes the term and vote (unless persist is off: the known bug)
// and the log tail. It runs before any message that depends on them leaves.
func (n *Node) persist() {
	st := n.env.Storage()
	if n.cfg.Persist {
		st.Put(storeHardState, hardState{Term: n.term, VotedFor: n.votedFor})
	}
	st.Put(storeLog, n.log)
}

func (n *Node) restore() {
	st := n.env.Storage()
	if hs, ok := st.Get(storeHardState); ok && n.cfg.Persist {
		h := hs.(hardState)
		n.term, n.votedFor = h.Term, h.VotedFor
	}
	if l, ok := st.Get(storeLog); ok {
		n.log = l.(logTail)
	}
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
