package polyscore

// Rows given by feature name: each row a map from the model's feature names to values,
// laid out in the model's column order for Predict. The rules are the Python binding's
// for a DataFrame (bindings/python/src/polyscore/_frame.py): names match exactly as the
// model file stores them, a feature absent from a row and a name the model does not
// have are errors naming them (a typo never scores silently), and a model whose file
// names no features cannot be given rows by name.

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// featureIndex is the column of each of a model's feature names.
type featureIndex struct {
	names  []string
	column map[string]int
}

func (m *Model) featureIndex() (*featureIndex, error) {
	if err := m.usable(); err != nil {
		return nil, err
	}
	m.featuresOnce.Do(func() { m.features, m.featuresErr = m.readFeatureIndex() })
	return m.features, m.featuresErr
}

func (m *Model) readFeatureIndex() (*featureIndex, error) {
	names, err := m.FeatureNames()
	if err != nil {
		return nil, err
	}
	column := make(map[string]int, len(names))
	for i, name := range names {
		if name == "" {
			return nil, newError(StatusInvalidArgument, fmt.Sprintf(
				"the model file names no feature %d, so rows cannot be given by feature name: "+
					"pass them as slices in the model's feature order (Predict)", i))
		}
		if j, dup := column[name]; dup {
			return nil, newError(StatusInvalidArgument, fmt.Sprintf(
				"the model names features %d and %d both %q, so rows cannot be given by "+
					"feature name: pass them as slices in the model's feature order (Predict)", j, i, name))
		}
		column[name] = i
	}
	return &featureIndex{names: names, column: column}, nil
}

// NamedRows lays out rows given by feature name as the row-major slice Predict,
// PredictInto and PredictRow take: len(rows) * NumFeatures values in the model's
// feature order. Every row must hold exactly the model's feature names (FeatureNames),
// spelled as the model file stores them, in any order; NaN marks a missing value. A
// feature absent from a row, a name the model does not have, and a model whose file
// names no features are ErrInvalidArgument errors naming the row and the names.
func (m *Model) NamedRows(rows []map[string]float64) ([]float64, error) {
	if m == nil {
		return nil, errNilModel
	}
	fi, err := m.featureIndex()
	if err != nil {
		return nil, err
	}
	nCols := len(fi.names)
	flat := make([]float64, len(rows)*nCols)
	for r, row := range rows {
		dst := flat[r*nCols : (r+1)*nCols]
		found := 0
		for j, name := range fi.names {
			v, ok := row[name]
			if ok {
				found++
			}
			dst[j] = v
		}
		if found != nCols || len(row) != nCols {
			return nil, fi.mismatch(r, row)
		}
	}
	return flat, nil
}

// PredictNamed scores rows given by feature name (see NamedRows for the rules) and
// returns what Predict returns for the same rows in the model's feature order.
func (m *Model) PredictNamed(rows []map[string]float64, opts *PredictOptions) ([]float64, error) {
	flat, err := m.NamedRows(rows)
	if err != nil {
		return nil, err
	}
	return m.Predict(flat, len(rows), opts)
}

// mismatch is the error for row r, which lacks some of the model's features or holds
// names the model does not have: it names both, and the model's features.
func (fi *featureIndex) mismatch(r int, row map[string]float64) error {
	var missing, unknown []string
	for _, name := range fi.names {
		if _, ok := row[name]; !ok {
			missing = append(missing, name)
		}
	}
	for name := range row {
		if _, ok := fi.column[name]; !ok {
			unknown = append(unknown, name)
		}
	}
	sort.Strings(unknown) // map order is random; the message should not be
	var parts []string
	if len(unknown) > 0 {
		parts = append(parts, "unknown "+plural("feature", len(unknown))+" "+quoteSome(unknown))
	}
	if len(missing) > 0 {
		parts = append(parts, "missing "+plural("feature", len(missing))+" "+quoteSome(missing)+
			" (use NaN for a missing value)")
	}
	return newError(StatusInvalidArgument, fmt.Sprintf(
		"row %d does not match the model's features (%s): %s",
		r, quoteSome(fi.names), strings.Join(parts, "; ")))
}

func plural(word string, n int) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// quoteSome quotes the first names of a list, and says how many more there are, so that
// a model with thousands of features gives a message one can read.
func quoteSome(names []string) string {
	const most = 20
	shown := names[:min(len(names), most)]
	quoted := make([]string, len(shown))
	for i, name := range shown {
		quoted[i] = strconv.Quote(name)
	}
	s := strings.Join(quoted, ", ")
	if len(names) > most {
		s += fmt.Sprintf(" and %d more", len(names)-most)
	}
	return s
}
