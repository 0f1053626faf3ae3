echo "hello from a ${0##*/} image that stays small"
