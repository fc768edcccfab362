"""Several people at one desk: who they are (people.py), what each may do (roles.py), the second pair of eyes
before a list send (approval.py) and the record of who did what (protocol.py); faces call these, the state
package keeps the rows."""
