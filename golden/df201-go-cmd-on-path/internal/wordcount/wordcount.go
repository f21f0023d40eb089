// Package wordcount counts words in text.
package wordcount

import (
	"sort"
	"strings"
	"unicode"
)

// Entry is a word and how often it occurs.
type Entry struct {
	Word  string `json:"word"`
	Count int    `json:"count"`
}

// Top returns the n most frequent words, ties broken alphabetically.
func Top(text string, n int) []Entry {
	counts := map[string]int{}
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && r != '\''
	}) {
		counts[w]++
	}
	out := make([]Entry, 0, len(counts))
	for w, c := range counts {
		out = append(out, Entry{w, c})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Word < out[j].Word
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}
