// Package store is the data model of electsim's replicated store: what a
// split brain costs in data. It follows seed 003 (kellabyte, "Routing aware
// master elections") and the Dynamo family it describes (DeCandia et al.,
// "Dynamo", SOSP 2007, §4.4 data versioning; Riak and Voldemort; Cassandra
// with last-write-wins cells), as Jepsen measured them (Kingsbury 2013, the
// Cassandra and Riak analyses): both sides of a partition keep taking
// writes, and when it heals the replicas must merge.
//
// Every key holds a set of write numbers, as Jepsen's set tests do: a
// write reads its coordinator's replica, adds its own number and writes the
// result back. A write that later writes knew of is kept inside them, so a
// write absent from the final merge was discarded without anyone having
// seen it: lost, not overwritten.
//
// Two merge rules, both real designs:
//
//   - LWW, last write wins (Cassandra, Riak with allow_mult=false): every
//     version carries its writer's wall-clock timestamp, and of two
//     versions a replica keeps the one with the higher timestamp, ties
//     going to the higher writer and then the higher write number. A
//     writer whose clock runs behind loses writes made later in true time.
//   - Vector, version vectors (Dynamo's vector clocks, Riak with
//     allow_mult=true): a version that descends from another replaces it;
//     concurrent versions are all kept, as siblings, and the next write at a
//     replica resolves them by union (as a set CRDT or Riak's sibling
//     resolution would). Nothing acknowledged is lost; the price is the
//     conflicts.
//
// A Replica is one node's copy of every key. Versions are immutable and
// shared between replicas and messages. The package knows nothing of the
// kernel: package sim carries versions between replicas over its network.
package store
