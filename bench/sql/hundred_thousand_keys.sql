-- Benchmark 5: 100,000 keys in the organization `bench`, as the key list would hold them
-- (mixed modes, some revoked or expired). Their hashes are random: they are listed, never
-- presented. Written straight to the table: the server has cached none of them.
INSERT INTO api_keys (id, org_id, workspace_id, name, mode, scopes, display_prefix, last_four,
                      key_hash, pepper_version, created_by, created_at, expires_at, revoked_at)
SELECT gen_random_uuid(), o.id, w.id, 'bulk key ' || n,
       CASE WHEN n % 4 = 0 THEN 'test' ELSE 'live' END,
       '["clients:read"]'::jsonb,
       CASE WHEN n % 4 = 0 THEN 'kw_test_' ELSE 'kw_live_' END,
       lpad((n % 10000)::text, 4, '0'),
       sha256(convert_to('bulk key ' || n || random()::text, 'UTF8')),
       1, m.user_id,
       now() - make_interval(mins => n),
       CASE WHEN n % 7 = 0 THEN now() - interval '1 day' END,
       CASE WHEN n % 11 = 0 THEN now() - interval '1 hour' END
FROM organizations o
JOIN workspaces w ON w.org_id = o.id AND w.is_default
JOIN memberships m ON m.org_id = o.id AND m.role = 'owner'
CROSS JOIN generate_series(1, 100000) AS n
WHERE o.slug = 'bench';
ANALYZE api_keys;
