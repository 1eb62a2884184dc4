package spec

// decodeSettings reads the Settings document. A repo has at most one; a
// second is reported, naming the first.
func decodeSettings(d *decoder, doc document, st *State) {
	if first := st.Settings.Pos; first.File != "" {
		d.errorf(doc.At, "keep one Settings document per repo", "Settings is declared twice: also at %s", first)
		return
	}
	s := Settings{Reassignment: unsetReassignment(), Pos: doc.Pos}
	if doc.Spec != nil {
		fs, _ := d.fields(doc.Spec, "spec", "ignoreConfigs", "extraConfigKeys", "extraBrokerConfigKeys", "reassignment")
		if f, ok := fs["ignoreConfigs"]; ok {
			s.IgnoreConfigs, _ = d.ignoreConfigs(f)
		}
		if f, ok := fs["extraConfigKeys"]; ok {
			s.ExtraConfigKeys = d.extraConfigKeys(f)
		}
		if f, ok := fs["extraBrokerConfigKeys"]; ok {
			s.ExtraBrokerConfigKeys = d.extraBrokerConfigKeys(f)
		}
		if f, ok := fs["reassignment"]; ok {
			s.Reassignment = d.reassignment(f)
		}
	}
	st.Settings = s
}
