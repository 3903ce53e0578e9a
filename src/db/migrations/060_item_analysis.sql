-- Item analysis (issue 16, item 4): the instructor's question-quality page sums every first try of a
-- course per item (attempts, right, rest-score moments, median time). This partial covering index holds
-- exactly those rows and columns, so the page reads them by (tenant, resource link, pack) with an
-- index-only scan instead of visiting the wide attempt rows (response, result) of 60 000 answers.
CREATE INDEX attempts_first_tries ON attempts (tenant_id, resource_link_id, pack_id, item_id)
  INCLUDE (user_id, correct, time_ms)
  WHERE kind = 'answer' AND try_number = 1;
