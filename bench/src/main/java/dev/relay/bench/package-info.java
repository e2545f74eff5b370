/** Load generator and benchmark scenarios: relay vs bare broker vs peers, measured in one run. Filled by the benchmarks issue. */
package dev.relay.bench;
