package raft

import (
	"fmt"

	"github.com/electsim/electsim/sim"
)

// Term is Raft's term: the generation of this protocol.
type Term uint64

// Vote asks for a vote (MsgVote) or, with Pre, asks whether the sender
// could win one without raising anyone's term (MsgPreVote). Term is the
// term the sender would have as a candidate.
type Vote struct {
	Term      Term
	Pre       bool
	LastIndex uint64
	LastTerm  Term
}

// VoteResp answers a Vote. Term is the voter's term, or the requested term
// for a granted pre-vote.
type VoteResp struct {
	Term    Term
	Pre     bool
	Granted bool
}

// Append is the leader's MsgApp, also its heartbeat: the entries after
// PrevIndex, whose term is PrevTerm, and the leader's commit index. Round
// numbers heartbeat rounds, for the leader lease.
type Append struct {
	Term      Term
	PrevIndex uint64
	PrevTerm  Term
	Entries   []Entry
	Commit    uint64
	Round     uint64
}

// AppendResp answers an Append or a Snapshot, or tells a stale leader the
// higher term. Index is the last index the follower now holds as the
// leader does; a rejection (the follower does not hold PrevIndex with
// PrevTerm) gives the rejected PrevIndex and, in Hint and HintTerm, where
// the leader may look for a match (etcd's RejectHint and LogTerm).
type AppendResp struct {
	Term     Term
	Round    uint64
	Index    uint64
	Reject   bool
	Hint     uint64
	HintTerm Term // the follower's term at Hint, for the leader's own skip back
}

// Snapshot is the leader's MsgSnap: everything up to Index, whose entry had
// LastTerm, is committed; sent to a follower that needs entries the leader
// has compacted away.
type Snapshot struct {
	Term     Term
	Index    uint64
	LastTerm Term
	Round    uint64
}

// termOf returns the term a Raft message carries.
func termOf(m sim.Message) (Term, bool) {
	switch m := m.(type) {
	case Vote:
		return m.Term, true
	case VoteResp:
		return m.Term, true
	case Append:
		return m.Term, true
	case AppendResp:
		return m.Term, true
	case Snapshot:
		return m.Term, true
	}
	return 0, false
}

// String reads as a transcript line: "Vote term=2 last=3@1", or "PreVote ...".
func (m Vote) String() string {
	return fmt.Sprintf("%s term=%d last=%d@%d", voteName(m.Pre), m.Term, m.LastIndex, m.LastTerm)
}

// String reads as a transcript line: "VoteResp term=2 granted", or
// "PreVoteResp term=2 rejected".
func (m VoteResp) String() string {
	answer := "rejected"
	if m.Granted {
		answer = "granted"
	}
	return fmt.Sprintf("%sResp term=%d %s", voteName(m.Pre), m.Term, answer)
}

// String reads as a transcript line: "Append term=2 prev=3@1 [t2 t2(act 7)]
// commit=3 round=5".
func (m Append) String() string {
	return fmt.Sprintf("Append term=%d prev=%d@%d %v commit=%d round=%d", m.Term, m.PrevIndex, m.PrevTerm, m.Entries, m.Commit, m.Round)
}

// String reads as a transcript line: "AppendResp term=2 index=5 round=3",
// or "... rejects 5 hint=3".
func (m AppendResp) String() string {
	if m.Reject {
		return fmt.Sprintf("AppendResp term=%d rejects %d hint=%d@%d round=%d", m.Term, m.Index, m.Hint, m.HintTerm, m.Round)
	}
	return fmt.Sprintf("AppendResp term=%d index=%d round=%d", m.Term, m.Index, m.Round)
}

// String reads as a transcript line: "Snapshot term=3 upto=1000@2".
func (m Snapshot) String() string {
	return fmt.Sprintf("Snapshot term=%d upto=%d@%d round=%d", m.Term, m.Index, m.LastTerm, m.Round)
}

func voteName(pre bool) string {
	if pre {
		return "PreVote"
	}
	return "Vote"
}

// Promises makes a granted vote, and an accepted append (the follower's
// acknowledgement of the leader, which a leader lease counts on), promises
// in their term for the causal story of a violation. A pre-vote binds
// nobody.
func (m VoteResp) Promises() (sim.Generation, bool) {
	return sim.Generation(m.Term), m.Granted && !m.Pre
}

// Promises: see VoteResp.Promises.
func (m AppendResp) Promises() (sim.Generation, bool) { return sim.Generation(m.Term), !m.Reject }
