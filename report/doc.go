// Package report writes the page that explains a run to a person: one
// self-contained HTML file (inline CSS and SVG, no script, nothing fetched
// from the network) with the run's verdict, its timeline, a message
// (Lamport) diagram of the events that led to the violation, the causal
// story, the metrics, the summary and the scenario that ran.
//
// The page is made from plain data (Input), so that a test can build one
// by hand and a caller can fill it from any run. Collector and Select make
// the diagram's window from a second run of the same scenario and seed:
// runs are deterministic, so the second run has the events of the first.
//
// The same Input gives the same bytes: nothing on the page depends on the
// clock or on map order.
package report
