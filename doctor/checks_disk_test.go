package doctor

import "testing"

func TestCheckDisk(t *testing.T) {
	const gib = int64(1) << 30
	dir := func(total, usable int64) []LogDir {
		return []LogDir{{Broker: 1, Path: "/data", TotalBytes: total, UsableBytes: usable}}
	}
	runCases(t, []string{"disk"}, []checkCase{
		{name: "half full", cluster: Cluster{Brokers: brokers(1), LogDirs: dir(100*gib, 50*gib)}},
		{name: "80% is still fine", cluster: Cluster{Brokers: brokers(1), LogDirs: dir(100*gib, 20*gib)}},
		{name: "85% is a warning", cluster: Cluster{Brokers: brokers(1), LogDirs: dir(100*gib, 15*gib)},
			want: []string{"warn disk log dir /data on broker 1"}, evidence: "log dir /data on broker 1 is 85.0% full: 15.0 GiB free of 100.0 GiB"},
		{name: "95% is an error", cluster: Cluster{Brokers: brokers(1), LogDirs: dir(100*gib, 5*gib)},
			want: []string{"error disk log dir /data on broker 1"}},
		{name: "sizes not reported", cluster: Cluster{Brokers: brokers(1), LogDirs: dir(-1, -1)},
			want: []string{"info disk log dir /data on broker 1"}, evidence: "broker 1 does not report the size of log dir /data"},
		{name: "kfake's sizes", cluster: Cluster{Brokers: brokers(1), LogDirs: dir(1234, 32*gib)},
			want: []string{"info disk log dir /data on broker 1"}, evidence: "reports 34359738368 usable of 1234 total bytes"},
		{name: "offline dir", cluster: Cluster{Brokers: brokers(1), LogDirs: []LogDir{{Broker: 1, Path: "/data", Err: "KAFKA_STORAGE_ERROR: Disk error when trying to access log file on the disk.", TotalBytes: -1, UsableBytes: -1}}},
			want: []string{"error disk log dir /data on broker 1"}},
	})
}

func TestBytesIEC(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536 << 20: "1.5 GiB", 3 << 40: "3.0 TiB"} {
		if got := bytesIEC(n); got != want {
			t.Errorf("bytesIEC(%d) = %q, want %q", n, got, want)
		}
	}
}
