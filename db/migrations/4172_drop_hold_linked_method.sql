-- api.hold_linked_method existed to hold a method's row lock across the call to Xendit during an unlink; the
-- unlink now marks the method instead (4171, api.request_method_unlink), so nothing may hold that lock any more.
drop function if exists api.hold_linked_method(text, bigint, text);
