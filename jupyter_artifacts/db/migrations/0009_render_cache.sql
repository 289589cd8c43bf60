-- The HTML render cache is bounded (issue 12): each entry knows its size and when it was
-- last served, so the least recently used go first once the cache passes its size
-- (`c.JupyterArtifactsApp.render_cache_bytes`).
ALTER TABLE notebook_renders
    ADD COLUMN IF NOT EXISTS bytes        BIGINT,
    ADD COLUMN IF NOT EXISTS last_used_at TIMESTAMPTZ NOT NULL DEFAULT now();
UPDATE notebook_renders SET bytes = octet_length(html) WHERE bytes IS NULL;
ALTER TABLE notebook_renders ALTER COLUMN bytes SET DEFAULT 0;
CREATE INDEX IF NOT EXISTS notebook_renders_recent_idx ON notebook_renders (last_used_at DESC);
