package doctor

import "fmt"

// checkDisk reports log dirs that are offline, nearly full, or whose size
// the broker does not report.
func checkDisk(c *Cluster, _ Options) []Finding {
	var out []Finding
	for _, d := range c.LogDirs {
		res := fmt.Sprintf("log dir %s on broker %d", d.Path, d.Broker)
		switch {
		case d.Err != "":
			out = append(out, Finding{Check: "disk", Severity: Error, Resource: res,
				Evidence: fmt.Sprintf("broker %d reports %s for log dir %s", d.Broker, d.Err, d.Path),
				Why:      "the replicas in an offline log dir are unavailable on this broker: they leave their ISRs, and partitions with few replicas go offline",
				Fix:      "check the disk and the broker's log; replace the disk, or remove the dir from log.dirs and let Kafka re-replicate",
			})
		case d.TotalBytes < 0 || d.UsableBytes < 0:
			out = append(out, Finding{Check: "disk", Severity: Info, Resource: res,
				Evidence: fmt.Sprintf("broker %d does not report the size of log dir %s", d.Broker, d.Path),
				Why:      "disk use cannot be checked: brokers report total and usable bytes from Kafka 3.3 on (DescribeLogDirs v4)",
				Fix:      "watch disk use with the host's monitoring, or upgrade the brokers",
			})
		case d.TotalBytes == 0 || d.UsableBytes > d.TotalBytes:
			out = append(out, Finding{Check: "disk", Severity: Info, Resource: res,
				Evidence: fmt.Sprintf("broker %d reports %d usable of %d total bytes for log dir %s, which cannot be", d.Broker, d.UsableBytes, d.TotalBytes, d.Path),
				Why:      "disk use cannot be checked from these numbers (kfake reports the partitions' bytes as total and a fixed 32 GiB as usable)",
				Fix:      "watch disk use with the host's monitoring",
			})
		default:
			used := 100 * float64(d.TotalBytes-d.UsableBytes) / float64(d.TotalBytes)
			f := Finding{Check: "disk", Resource: res,
				Evidence: fmt.Sprintf("log dir %s on broker %d is %.1f%% full: %s free of %s", d.Path, d.Broker, used, bytesIEC(d.UsableBytes), bytesIEC(d.TotalBytes)),
				Why:      "when a log dir's volume is full, the broker takes the dir offline and every replica in it becomes unavailable",
				Fix:      "add disk space, lower retention (retention.ms or retention.bytes on the biggest topics), or move replicas to brokers with room",
			}
			switch {
			case used > diskErrorPercent:
				f.Severity = Error
			case used > diskWarnPercent:
				f.Severity = Warn
			default:
				continue
			}
			out = append(out, f)
		}
	}
	return out
}

// bytesIEC formats n bytes with a binary unit.
func bytesIEC(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
