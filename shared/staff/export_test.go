package staff

import "testing"

// SetExportBounds lowers the page size and the page bound of CSV exports
// for the rest of a test.
func SetExportBounds(t testing.TB, pages, pageSize int) {
	pp, ps := exportPages, exportPageSize
	exportPages, exportPageSize = pages, pageSize
	t.Cleanup(func() { exportPages, exportPageSize = pp, ps })
}
