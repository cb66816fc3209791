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

// Append is the leader's heartbeat (MsgApp with the log's tail): it carries
// the leader's last log index and term, which followers take as theirs, so
// that the up-to-date check of an election compares real logs. Round
// numbers heartbeat rounds, for the leader lease.
type Append struct {
	Term      Term
	LastIndex uint64
	LastTerm  Term
	Round     uint64
}

// AppendResp acknowledges an Append, or tells a stale leader the higher term.
type AppendResp struct {
	Term  Term
	Round uint64
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

// String reads as a transcript line: "Append term=2 last=4@2 round=3".
func (m Append) String() string {
	return fmt.Sprintf("Append term=%d last=%d@%d round=%d", m.Term, m.LastIndex, m.LastTerm, m.Round)
}

// String reads as a transcript line: "AppendResp term=2 round=3".
func (m AppendResp) String() string {
	return fmt.Sprintf("AppendResp term=%d round=%d", m.Term, m.Round)
}

func voteName(pre bool) string {
	if pre {
		return "PreVote"
	}
	return "Vote"
}
