// Package plots draws electsim's pictures with gonum.org/v1/plot: what a
// reader needs to see a run's story, or a sweep's costs, at a glance.
//
// The timeline (NewTimeline) is a sim.Observer that collects a run as it
// goes and renders it as SVG or PNG: true time across, one row per node
// (and one for the network when the run has network faults), leadership as
// bars coloured by generation, acts as marks in a lane above the bars (a
// rejected or stale act in red), faults as shaded periods, and a
// property's violation as a labelled line. It is the picture to look at
// when replaying a failing seed, next to the JSON trace and the Perfetto trace
// (sim.WriteTrace, sim.WritePerfetto).
//
// The availability chart (Availability) compares the configurations of a
// sweep: one column per configuration, one point per run (seed), the mean
// marked, availability from 0 to 1.
//
// Pictures are deterministic: the same run renders to the same SVG bytes.
package plots
