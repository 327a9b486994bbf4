//go:build race

package httpsig

// raceEnabled: the race detector makes sync.Pool drop buffers at random, so
// allocation counts are not checked under it.
const raceEnabled = true
