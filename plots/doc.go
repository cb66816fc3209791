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
// The comparison charts (NewComparison, WriteCharts) draw an experiment's
// results file: availability against the first varied axis (the median of
// the runs and a band from the 5th to the 95th percentile, per
// configuration), safety beside it (stale acts, split-brain time, and in
// red the share of runs that broke an expected property), the CDFs of the
// time to a new leader and to recovery after each fault, a heat map of
// mean availability over the first two axes, and each configuration's
// availability minus the first's, paired by point and seed, which fix the
// faults. When the runs have a replicated store, a data chart too: the
// writes lost and those lost to clock skew, as shares of the writes each
// run acknowledged, and the conflicts resolved per run, by median and
// 5th-95th percentile. A configuration keeps one colour in every chart;
// a run that failed is counted as failed, never as zeros. SVGs embed
// their font.
//
// Pictures are deterministic: the same run renders to the same SVG bytes.
package plots
