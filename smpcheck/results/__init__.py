"""What a check returns, as values: findings (:mod:`.findings`: a kind from a closed
set, a message, the execution) and the result (:mod:`.result`: counts, what cut the
run short, the status and verdict a report may state).  The explorer fills them in;
reporters render them."""
