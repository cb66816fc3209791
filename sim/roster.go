package sim

import (
	"fmt"
	"slices"
)

// ResourceName is the resource's node name in every run.
const ResourceName = "resource"

// Roster is the nodes of a run and their names: participants n1..nN are IDs
// 1..N, the resource is N+1, the protocol's services follow in the order the
// protocol declares them.
type Roster struct {
	participants int
	names        []string // by ID; names[0] is ""
	byName       map[string]NodeID
	peers        []NodeID
}

// NewRoster lays out n participants, the resource and the services.
func NewRoster(n int, services []string) (*Roster, error) {
	r := &Roster{participants: n, names: []string{""}, byName: map[string]NodeID{}}
	for i := 1; i <= n; i++ {
		r.add(fmt.Sprintf("n%d", i))
		r.peers = append(r.peers, NodeID(i))
	}
	r.add(ResourceName)
	for _, s := range services {
		if _, dup := r.byName[s]; dup || s == "" || IsRole(s) {
			return nil, fmt.Errorf("protocol declares service %q, which is empty, taken or a role's name", s)
		}
		r.add(s)
	}
	return r, nil
}

func (r *Roster) add(name string) {
	r.byName[name] = NodeID(len(r.names))
	r.names = append(r.names, name)
}

// Len returns the number of nodes, services included.
func (r *Roster) Len() int { return len(r.names) - 1 }

// Participants returns N.
func (r *Roster) Participants() int { return r.participants }

// Peers returns the participants' IDs in order. Do not modify.
func (r *Roster) Peers() []NodeID { return r.peers }

// IsParticipant reports whether id is one of n1..nN.
func (r *Roster) IsParticipant(id NodeID) bool { return id >= 1 && int(id) <= r.participants }

// Resource returns the resource's ID.
func (r *Roster) Resource() NodeID { return NodeID(r.participants + 1) }

// Name returns a node's name, or "none" for NoNode and "?id" for an ID out
// of range.
func (r *Roster) Name(id NodeID) string {
	if id == NoNode {
		return "none"
	}
	if id < 0 || int(id) >= len(r.names) {
		return fmt.Sprintf("?%d", id)
	}
	return r.names[id]
}

// Names returns every node's name in ID order.
func (r *Roster) Names() []string { return slices.Clone(r.names[1:]) }

// ID looks a node up by name.
func (r *Roster) ID(name string) (NodeID, bool) {
	id, ok := r.byName[name]
	return id, ok
}

// index is a node's position in the network, which numbers nodes from 0.
func index(id NodeID) int { return int(id) - 1 }
