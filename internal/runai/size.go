package runai

import "unsafe"

// The ApproxBytes methods estimate the memory a value holds (its struct
// and the bytes of its strings), for caches bounded by memory rather than
// by a count. They are estimates: allocator overhead is not counted.

// ApproxBytes estimates the memory a holds.
func (a ServiceAccount) ApproxBytes() int64 {
	return int64(unsafe.Sizeof(a)) + int64(len(a.ID)+len(a.Name)+len(a.ClientID)+len(a.CreatedBy)+len(a.TenantID))
}

// ApproxBytes estimates the memory r holds.
func (r AccessRule) ApproxBytes() int64 {
	return int64(unsafe.Sizeof(r)) + int64(len(r.SubjectType)+len(r.SubjectID)+len(r.RoleName)+len(r.ScopeType)+
		len(r.ScopeID)+len(r.ScopeName)+len(r.ScopePath)+len(r.ClusterID)+len(r.CreatedBy)+len(r.Phase))
}

// ApproxBytes estimates the memory r holds.
func (r Role) ApproxBytes() int64 {
	return int64(unsafe.Sizeof(r)) + int64(len(r.Name)+len(r.Description))
}

// ApproxBytes estimates the memory s holds.
func (s Scopes) ApproxBytes() int64 {
	n := int64(unsafe.Sizeof(s)) + int64(len(s.TenantID)+len(s.TenantName))
	for _, c := range s.Clusters {
		n += int64(unsafe.Sizeof(c)) + int64(len(c.UUID)+len(c.Name)+len(c.TenantID))
	}
	for _, d := range s.Departments {
		n += int64(unsafe.Sizeof(d)) + int64(len(d.ID)+len(d.Name)+len(d.ClusterID))
	}
	for _, p := range s.Projects {
		n += int64(unsafe.Sizeof(p)) + int64(len(p.ID)+len(p.Name)+len(p.ParentID)+len(p.ParentName)+len(p.ClusterID))
	}
	return n
}
