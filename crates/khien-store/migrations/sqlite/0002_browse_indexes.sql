-- Indexes for browsing the tree page by page and for the overview's counts.
CREATE INDEX agencies_children ON agencies(parent_id, kind, name);
CREATE INDEX agencies_kind_path ON agencies(kind, path);
CREATE INDEX systems_category ON systems(category);
