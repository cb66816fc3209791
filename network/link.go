package network

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Link is the behaviour of one directed link.
type Link struct {
	Latency   Latency `yaml:"latency" json:"latency"`
	Loss      float64 `yaml:"loss,omitempty" json:"loss,omitempty"`           // probability a message is lost
	Duplicate float64 `yaml:"duplicate,omitempty" json:"duplicate,omitempty"` // probability a second copy is sent
	Reorder   bool    `yaml:"reorder,omitempty" json:"reorder,omitempty"`     // false: FIFO delivery
}

// Validate checks the link's probabilities and latency.
func (l Link) Validate() error {
	if err := checkProbability("loss", l.Loss); err != nil {
		return err
	}
	if err := checkProbability("duplicate", l.Duplicate); err != nil {
		return err
	}
	if err := l.Latency.Validate(); err != nil {
		return prefix("latency", err)
	}
	return nil
}

func checkProbability(field string, p float64) error {
	if math.IsNaN(p) || p < 0 || p > 1 {
		return fieldErr(field, "probability %v is outside [0, 1]", p)
	}
	return nil
}

// prefix puts a parent field name before a FieldError's field.
func prefix(parent string, err error) error {
	if fe, ok := err.(*FieldError); ok {
		return &FieldError{Field: parent + "." + fe.Field, Msg: fe.Msg}
	}
	return fmt.Errorf("%s: %w", parent, err)
}

// linkState is a link's configuration and its own random stream and FIFO
// horizon. The stream belongs to the link alone, so traffic on one link never
// shifts the delays or losses of another.
type linkState struct {
	Link
	rng        *rand.Rand
	lastArrive int64 // latest arrival scheduled on this link, for FIFO
}

// Delivery is the fate of one message: how many copies arrive (0, 1 or 2)
// and at what true times.
type Delivery struct {
	Copies int
	At     [2]int64
}

// transmit draws the fate of a message sent at true time now.
func (s *linkState) transmit(now int64) Delivery {
	var d Delivery
	if s.Loss > 0 && s.rng.Float64() < s.Loss {
		return d
	}
	d.Copies = 1
	if s.Duplicate > 0 && s.rng.Float64() < s.Duplicate {
		d.Copies = 2
	}
	for i := range d.Copies {
		d.At[i] = s.arrival(now)
	}
	return d
}

func (s *linkState) arrival(now int64) int64 {
	at := now + int64(s.Latency.Sample(s.rng))
	if !s.Reorder && at < s.lastArrive {
		// FIFO: never overtake an earlier message. Equal times keep their
		// order because the kernel breaks ties by scheduling sequence.
		at = s.lastArrive
	}
	s.lastArrive = max(s.lastArrive, at)
	return at
}
