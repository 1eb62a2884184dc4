package reconcile

// maxRecordsPerRequest bounds the metadata records one admin request may
// make the controller write. Kafka's KRaft controller refuses a request
// that needs more than 10,000 records (POLICY_VIOLATION "Unable to perform
// excessively large batch operation"); creating a topic writes one record
// for the topic, one per partition and one per config override. kfake has
// no such limit. The margin leaves room for records a later Kafka version
// may add.
const maxRecordsPerRequest = 8000

// batches splits changes into consecutive groups whose summed cost stays
// within maxRecordsPerRequest. A single change that alone exceeds it gets a
// group of its own (the broker then says why it refuses it). The number of
// requests therefore grows with the records to write, about one per 8,000,
// never with one request per topic.
func batches(cs []Change, cost func(Change) int) [][]Change {
	var out [][]Change
	var cur []Change
	sum := 0
	for _, c := range cs {
		n := max(cost(c), 1)
		if len(cur) > 0 && sum+n > maxRecordsPerRequest {
			out = append(out, cur)
			cur, sum = nil, 0
		}
		cur = append(cur, c)
		sum += n
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}
