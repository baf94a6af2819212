-- Search: `from:` filters narrow by author and time inside the index (a bitmap of this index
-- ANDed with the trigram one) instead of reading every match of the words to drop most of them.
create index search_messages_user_idx on search_messages (user_id, created_at desc);
