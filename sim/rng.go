package sim

import "math/rand/v2"

// Stream purposes. Every source of randomness in a run is one of these,
// derived from the run seed, the purpose and up to two indexes; a stream's use
// never shifts another's. So the same seed gives every protocol the same
// fault schedule, however many numbers the protocol draws.
const (
	streamFaults   = "faults"   // nemesis expansion, random shapes
	streamNetwork  = "network"  // one per directed link (from, to)
	streamClock    = "clock"    // one per node: random drift and offset
	streamProtocol = "protocol" // one per node: Env.Rand
	streamWorkload = "workload" // the act workload
	streamDisk     = "disk"     // one per node: its writes' latencies
)

// The faults stream's parts (its first index): the nemesis and random
// shapes draw from the first, ranges from the second, and the roles a run
// resolves from the third, one stream per fault (its second index), so
// that adding a range or a role to one fault changes no draw of the
// nemesis, nor of another fault's roles.
const (
	faultsNemesis = iota
	faultsRanges
	faultsRoles
)

// newStream returns the stream for a purpose and indexes under seed.
func newStream(seed uint64, purpose string, a, b int) *rand.Rand {
	key := fnvString(purpose)
	key = splitmix(key ^ uint64(a)<<32 ^ uint64(b))
	return rand.New(rand.NewPCG(splitmix(seed^key), splitmix(key+seed)))
}

func fnvString(s string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return h
}

// splitmix is SplitMix64's finaliser: a bijection that scatters nearby inputs.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
