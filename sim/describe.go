package sim

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// DescribeMessage shows a message for people: by its own String method,
// or as its type and fields, sim.Act{Gen:2 By:1}, as %+v would, except
// that pointers are followed rather than printed as addresses and map keys
// are sorted, so that the same run always reads the same (a listing, a
// Perfetto trace, a causal story). Nesting deeper than a few levels reads
// "...".
func DescribeMessage(m Message) string {
	if s, ok := m.(fmt.Stringer); ok {
		return s.String()
	}
	if m == nil {
		return "<nil>"
	}
	var b strings.Builder
	b.WriteString(fmt.Sprintf("%T", m))
	describeValue(&b, reflect.ValueOf(m), 0, true)
	return b.String()
}

// maxDescribeDepth bounds how deep DescribeMessage follows a message.
const maxDescribeDepth = 6

func describeValue(b *strings.Builder, v reflect.Value, depth int, top bool) {
	if depth > maxDescribeDepth {
		b.WriteString("...")
		return
	}
	switch v.Kind() {
	case reflect.Invalid:
		b.WriteString("<nil>")
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			b.WriteString("<nil>")
			return
		}
		if v.Kind() == reflect.Pointer {
			b.WriteByte('&')
		}
		describeValue(b, v.Elem(), depth+1, false)
	case reflect.Struct:
		describeStruct(b, v, depth, top)
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			b.WriteString("[]")
			return
		}
		b.WriteByte('[')
		for i := range v.Len() {
			if i > 0 {
				b.WriteByte(' ')
			}
			describeValue(b, v.Index(i), depth+1, false)
		}
		b.WriteByte(']')
	case reflect.Map:
		describeMap(b, v, depth)
	case reflect.Chan, reflect.Func, reflect.UnsafePointer:
		b.WriteString(v.Type().String()) // an address would differ run to run
	default:
		if top {
			fmt.Fprintf(b, "(%v)", v)
			return
		}
		fmt.Fprintf(b, "%v", v)
	}
}

func describeStruct(b *strings.Builder, v reflect.Value, depth int, top bool) {
	b.WriteByte('{')
	for i := range v.NumField() {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(v.Type().Field(i).Name)
		b.WriteByte(':')
		describeValue(b, v.Field(i), depth+1, false)
	}
	b.WriteByte('}')
}

func describeMap(b *strings.Builder, v reflect.Value, depth int) {
	type entry struct{ key, value string }
	var entries []entry
	for iter := v.MapRange(); iter.Next(); {
		var k, e strings.Builder
		describeValue(&k, iter.Key(), depth+1, false)
		describeValue(&e, iter.Value(), depth+1, false)
		entries = append(entries, entry{k.String(), e.String()})
	}
	slices.SortFunc(entries, func(x, y entry) int { return cmp.Compare(x.key, y.key) })
	b.WriteString("map[")
	for i, e := range entries {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(e.key + ":" + e.value)
	}
	b.WriteByte(']')
}

// HumanTime writes a true time for people reading events in order:
// seconds to the millisecond, "1.882s", so that a delivery never reads as
// earlier than its send, as three significant digits could make it.
func HumanTime(t Time) string {
	return fmt.Sprintf("%.3fs", float64(t)/1e9)
}
