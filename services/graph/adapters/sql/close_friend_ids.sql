-- ListCloseFriendIds: every user on owner $1's close-friends list, ascending.
SELECT friend_id
FROM graph.close_friends
WHERE owner_id = $1
ORDER BY friend_id
